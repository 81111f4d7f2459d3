/** How a queue is shown to people. */
import type { QueueInfo } from "../../../client.ts";
import { humanBytes, humanDuration, humanLimit, keyValues } from "../../output.ts";

/** A queue's settings and state as aligned key/value lines. */
export function showQueue(q: QueueInfo): string {
  return `${q.name} Work Queue:\n\n${keyValues([
    ["Entries", `${q.entries} @ ${humanBytes(q.bytes)}`],
    ["In flight", q.in_flight],
    ["Storage", q.memory ? "memory" : "file"],
    ["Replicas", q.replicas],
    ["Max age", humanDuration(q.max_age)],
    ["Max entries", humanLimit(q.max_entries)],
    ["Discard old", q.discard_old],
    ["Max tries", humanLimit(q.max_tries)],
    ["Max run time", humanDuration(q.max_runtime)],
    ["Max concurrent", q.max_concurrent],
  ])}`;
}
