// Events and claims per month, whole record (stats/timeline, CSV).
import { read } from "./tracker.js";

process.stdout.write(await read("stats/timeline/?bucket=month&format=csv"));
