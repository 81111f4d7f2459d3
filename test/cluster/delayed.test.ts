/**
 * Delayed tasks on a three-node cluster (nats-server 2.14+): the wake-ups' stream `AJC_DELAYED`
 * and the queue are R3, and the wake-ups' stream leader is killed (SIGKILL) while tasks wait. Each
 * task still fires once: it runs exactly once, no earlier than its run_at, and its queue's
 * `WORKERS` consumer delivers one item per task.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { Client } from "../../src/client.ts";
import { timeMs } from "../../src/core/time.ts";
import { DELAYED_STREAM, queueStream, WORKERS_CONSUMER } from "../../src/store/subjects.ts";
import { Router, runWorker } from "../../src/worker/index.ts";
import { type Cluster, startCluster } from "../helpers/cluster.ts";
import { describeCluster } from "./gate.ts";

describeCluster("delayed tasks when the wake-ups' stream leader dies", () => {
  let cluster: Cluster;
  let client: Client;
  let available = false;
  const stop = new AbortController();
  const runs = new Map<string, number>();
  let worker: Promise<void> | undefined;

  beforeAll(async () => {
    cluster = await startCluster();
    await cluster.metaLeader(30_000, true);
    client = await Client.connect({
      connection: { servers: cluster.urls, reconnectForever: true },
      taskStore: { replicas: 3 },
    });
    available = client.delayedTasks().available;
    if (!available) {
      console.log(
        `cluster delayed-task test skipped: nats-server ${client.delayedTasks().server} is older than 2.14`,
      );
      return;
    }
    await client.createQueue({ name: "CDQ" }, { replicas: 3 });
    const router = new Router().handle("cd", async (ctx) => {
      runs.set(ctx.task.id, (runs.get(ctx.task.id) ?? 0) + 1);
    });
    worker = runWorker(client, router, { queue: "CDQ", concurrency: 4, signal: stop.signal });
  });
  afterAll(async () => {
    stop.abort();
    await worker?.catch(() => {});
    await client?.close().catch(() => {});
    await cluster?.close();
  });

  test("tasks waiting while the AJC_DELAYED leader is killed each run once, not before run_at", async () => {
    if (!available) return;
    const tasks = [];
    for (let i = 0; i < 10; i++) {
      const t = client.newTask("cd", null, { runAt: new Date(Date.now() + 8_000 + i * 500) });
      await client.enqueue(t, "CDQ");
      tasks.push(t);
    }
    const jsm = client.storage.jet.jsm;
    expect((await jsm.streams.info(DELAYED_STREAM)).config.num_replicas).toBe(3);
    const leader = await cluster.streamLeader(DELAYED_STREAM, { current: 3 });
    await leader.stop(true);
    const next = await cluster.streamLeader(DELAYED_STREAM, { not: leader.name, timeoutMs: 30_000 });
    expect(next.name).not.toBe(leader.name);
    // Nothing ran early, whatever the election did.
    expect(runs.size).toBe(0);
    await leader.start();

    const deadline = Date.now() + 60_000;
    for (const t of tasks) {
      for (;;) {
        const got = await client.loadTask(t.id).catch(() => undefined);
        if (got?.state === "complete") {
          expect(timeMs(got.tried!)).toBeGreaterThanOrEqual(timeMs(t.run_at!));
          break;
        }
        if (Date.now() > deadline) throw new Error(`task ${t.id} still ${JSON.stringify(got)}`);
        await Bun.sleep(200);
      }
    }
    // A second firing would come within moments of the first: wait, then count.
    await Bun.sleep(5_000);
    for (const t of tasks) expect(runs.get(t.id)).toBe(1);
    const consumer = await jsm.consumers.info(queueStream("CDQ"), WORKERS_CONSUMER);
    expect(consumer.delivered.consumer_seq).toBe(tasks.length);
  });
});
