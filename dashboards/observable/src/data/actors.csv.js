// The fifteen most active actors: events taken part in and claims made (stats/actors, CSV).
import { read } from "./tracker.js";

process.stdout.write(await read("stats/actors/?limit=15&format=csv"));
