/**
 * A child process of the listing benchmark (part 3), run from source with Bun:
 *
 *   bun bench/stream-child.ts NATS_URL
 *
 * Streams every stored task through the exact code `GET /v1/tasks?stream=ndjson` runs
 * (Client.listTasks, then encodeTask and a newline per task, written with back-pressure) into
 * /dev/null: what the stream costs without HTTP. Prints `{"count","seconds","bytes",
 * "baselineRssMB","peakRssMB","afterGcRssMB"}`: RSS once connected, the process's peak (VmHWM),
 * and RSS after a full GC at the end (what the listing retained rather than left as garbage).
 */
import { createWriteStream } from "node:fs";
import { Client } from "../src/client.ts";
import { encodeTask } from "../src/core/task.ts";
import { memory } from "./proc-stats.ts";

const url = process.argv[2];
if (!url) {
  console.error("usage: bun bench/stream-child.ts NATS_URL");
  process.exit(2);
}
const client = await Client.connect({ connection: { servers: url, name: "bench stream" } });
// Warm the path (JIT) on the first 1,000 tasks, as a long-running server would be.
for await (const task of client.listTasks({ limit: 1000 })) encodeTask(task);
Bun.gc(true);
const baseline = memory(process.pid)?.rssMB ?? 0;
const sink = createWriteStream("/dev/null");
const write = (s: string) =>
  sink.write(s) ? undefined : new Promise<void>((resolve) => sink.once("drain", () => resolve()));
let count = 0;
let bytes = 0;
const t0 = performance.now();
for await (const task of client.listTasks()) {
  const line = `${encodeTask(task)}\n`;
  bytes += line.length;
  count++;
  await write(line);
}
const seconds = (performance.now() - t0) / 1000;
await new Promise<void>((resolve) => sink.end(() => resolve()));
const peak = memory(process.pid)?.hwmMB ?? 0;
Bun.gc(true);
const afterGc = memory(process.pid)?.rssMB ?? 0;
await client.close();
console.log(
  JSON.stringify({ count, seconds, bytes, baselineRssMB: baseline, peakRssMB: peak, afterGcRssMB: afterGc }),
);
