// Claims per year of their stated date, by status (stats/claims, JSON).
import { read } from "./tracker.js";

process.stdout.write(await read("stats/claims/?by=year"));
