// Every event, with its date bounds and claim count (the events list, CSV: all rows, unpaginated).
import { read } from "./tracker.js";

process.stdout.write(await read("events/?format=csv"));
