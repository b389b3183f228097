// Sources and claims per publisher (stats/sources, JSON).
import { read } from "./tracker.js";

process.stdout.write(await read("stats/sources/?by=publisher"));
