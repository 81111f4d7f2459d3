/**
 * A child process of the processing benchmark (part 4), run from source with Bun:
 *
 *   bun bench/drain-child.ts raw    NATS_URL QUEUE CONCURRENCY COUNT
 *   bun bench/drain-child.ts worker NATS_URL QUEUE CONCURRENCY
 *
 * `raw` is the ceiling: a plain JetStream pull consumer on the queue's `WORKERS` consumer that
 * fetches up to CONCURRENCY items at a time and acknowledges each at once, never touching a task;
 * it stops after COUNT and prints `{"count","seconds","cpuSeconds"}` (first item received to last
 * ack flushed). `worker` is ajc's TypeScript worker API with a no-op handler for type `bench`; it
 * runs until SIGTERM (the parent times it from the task events it publishes).
 */
import { jetstream } from "@nats-io/jetstream";
import { Client } from "../src/client.ts";
import { queueStream, WORKERS_CONSUMER } from "../src/store/subjects.ts";
import { Router, runWorker, shutdownSignal } from "../src/worker/index.ts";
import { connectRaw } from "./nats.ts";
import { BENCH_TYPE } from "./tasks.ts";

async function raw(url: string, queue: string, concurrency: number, count: number): Promise<void> {
  const nc = await connectRaw(url, "bench raw pull-ack");
  const js = jetstream(nc, { timeout: 10_000 });
  const consumer = await js.consumers.get(queueStream(queue), WORKERS_CONSUMER);
  const messages = await consumer.consume({ max_messages: concurrency });
  let n = 0;
  let t0 = 0;
  let cpu0 = process.cpuUsage();
  for await (const m of messages) {
    if (n === 0) {
      t0 = performance.now();
      cpu0 = process.cpuUsage();
    }
    m.ack();
    if (++n >= count) break;
  }
  await nc.flush();
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  messages.stop();
  await nc.drain();
  console.log(JSON.stringify({ count: n, seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6 }));
}

async function worker(url: string, queue: string, concurrency: number): Promise<void> {
  const client = await Client.connect({ connection: { servers: url, name: "bench ts worker" } });
  const router = new Router().handle(BENCH_TYPE, async () => {});
  await runWorker(client, router, {
    queue,
    concurrency,
    signal: shutdownSignal(),
    logger: { info: () => {}, warn: (m) => console.error(m), error: (m) => console.error(m) },
  });
  await client.close();
}

const [mode, url, queue, concurrency, count] = process.argv.slice(2);
if (mode === "raw") await raw(url!, queue!, Number(concurrency), Number(count));
else if (mode === "worker") await worker(url!, queue!, Number(concurrency));
else {
  console.error("usage: bun bench/drain-child.ts raw|worker NATS_URL QUEUE CONCURRENCY [COUNT]");
  process.exit(2);
}
