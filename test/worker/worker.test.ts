/** Running a worker: concurrency limits, graceful stop and metrics. */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { queueStream, WORKERS_CONSUMER } from "../../src/store/subjects.ts";
import { serveMetrics, WorkerMetrics } from "../../src/worker/index.ts";
import { prefetchFor } from "../../src/worker/worker.ts";
import { startTestEnv, type TestEnv } from "../helpers/client.ts";
import { rawNats } from "../helpers/raw.ts";
import { Router, startWorker, until, waitForTask } from "./harness.ts";

let env: TestEnv;
beforeAll(async () => {
  env = await startTestEnv();
});
afterAll(() => env.close());

/** A handler that records how many of its runs overlap. */
function overlapCounter(ms: number) {
  let active = 0;
  let max = 0;
  let done = 0;
  const handler = async () => {
    active++;
    max = Math.max(max, active);
    await Bun.sleep(ms);
    active--;
    done++;
  };
  return {
    handler,
    get max() {
      return max;
    },
    get done() {
      return done;
    },
  };
}

test("a worker never runs more than its concurrency at once", async () => {
  const c = env.client;
  await c.createQueue({ name: "CONC", max_runtime: "30s" });
  const o = overlapCounter(100);
  for (let i = 0; i < 12; i++) await c.enqueue(c.newTask("job", null), "CONC");
  const w = startWorker(c, new Router().handle("job", o.handler), { queue: "CONC", concurrency: 3 });
  await until(() => o.done === 12, 10_000, "all twelve");
  await w.stop();
  expect(o.max).toBe(3);
});

test("a saturated worker holds a quarter of its concurrency ahead, no more; a long-held item's ack wait restarts", async () => {
  expect([1, 4, 5, 8, 32].map(prefetchFor)).toEqual([1, 1, 2, 2, 8]);
  const c = env.client;
  await c.createQueue({ name: "AHEAD", max_runtime: "30s" });
  const raw = await rawNats(env.nats.url);
  const acks: string[] = [];
  raw.nc.subscribe(`$JS.ACK.${queueStream("AHEAD")}.${WORKERS_CONSUMER}.>`, {
    callback: (_e, m) => {
      acks.push(m.string());
    },
  });
  await raw.nc.flush();
  const o = overlapCounter(1_500);
  for (let i = 0; i < 3; i++) await c.enqueue(c.newTask("job", null), "AHEAD");
  const w = startWorker(c, new Router().handle("job", o.handler), { queue: "AHEAD", concurrency: 1 });
  let maxPending = 0;
  while (o.done < 3) {
    const ci = await raw.jsm.consumers.info(queueStream("AHEAD"), WORKERS_CONSUMER);
    maxPending = Math.max(maxPending, ci.num_ack_pending);
    await Bun.sleep(100);
  }
  await w.stop();
  // The last +ACK leaves in the worker's connection's next write and reaches this subscriber a
  // moment later; waiting for it here keeps a busy machine from closing the subscriber first.
  await until(() => acks.filter((a) => a === "+ACK").length >= 3, 5_000, "the third +ACK").catch(() => {});
  await raw.close();
  expect(o.max).toBe(1);
  // One running, one held: never more delivered than concurrency + prefetch.
  expect(maxPending).toBe(2);
  // Items 2 and 3 each waited a whole run (1.5s) in hand: their ack wait restarted as they started.
  expect(acks.filter((a) => a === "+WPI").length).toBe(2);
  expect(acks.filter((a) => a === "+ACK").length).toBe(3);
}, 20_000);

test("the queue's max concurrent caps all workers together", async () => {
  const c = env.client;
  await c.createQueue({ name: "CAPPED", max_runtime: "30s", max_concurrent: 2 });
  const o = overlapCounter(150);
  const router = new Router().handle("job", o.handler);
  for (let i = 0; i < 8; i++) await c.enqueue(c.newTask("job", null), "CAPPED");
  const other = await env.connect();
  const w1 = startWorker(c, router, { queue: "CAPPED", concurrency: 4 });
  const w2 = startWorker(other, router, { queue: "CAPPED", concurrency: 4 });
  await until(() => o.done === 8, 15_000, "all eight");
  await Promise.all([w1.stop(), w2.stop()]);
  expect(o.max).toBe(2);
}, 20_000);

test("stopping lets running handlers finish and pulls nothing more", async () => {
  const c = env.client;
  await c.createQueue({ name: "STOP", max_runtime: "30s" });
  let started = 0;
  const router = new Router().handle("job", async () => {
    started++;
    await Bun.sleep(400);
    return "finished";
  });
  const w = startWorker(c, router, { queue: "STOP", concurrency: 2 });
  const first = await c.enqueue(c.newTask("job", null), "STOP");
  await until(() => started === 1, 5000, "the first task to start");
  const stopping = w.stop();
  const later = await c.enqueue(c.newTask("job", null), "STOP");
  await stopping;
  expect((await c.loadTask(first.id)).state).toBe("complete");
  expect((await c.loadTask(later.id)).state).toBe("new");
  // Not a fixed sleep: another worker runs the later task at once, so the stopped one neither ran
  // it nor kept its item (that would hold it for the ack wait, 30s).
  let next = 0;
  const w2 = startWorker(
    c,
    new Router().handle("job", () => {
      next++;
      return "next";
    }),
    { queue: "STOP" },
  );
  await waitForTask(c, later.id, "complete", 5_000);
  await w2.stop();
  expect([started, next]).toEqual([1, 1]);
});

test("an unknown queue is refused at start", async () => {
  const w = startWorker(env.client, new Router(), { queue: "NOPE" });
  await expect(w.done).rejects.toMatchObject({ reason: "queue_not_found" });
});

test("metrics carry the Go library's names and are served at /metrics", async () => {
  const c = env.client;
  await c.createQueue({ name: "METRICS", max_runtime: "30s" });
  const metrics = new WorkerMetrics();
  const server = await serveMetrics(metrics.registry, { port: 0, host: "127.0.0.1" });
  const router = new Router()
    .handle("ok", () => "fine")
    .handle("bad", () => {
      throw new Error("x");
    });
  const w = startWorker(c, router, { queue: "METRICS", metrics });
  const ok = await c.enqueue(c.newTask("ok", null), "METRICS");
  await waitForTask(c, ok.id, "complete");
  const bad = await c.enqueue(c.newTask("bad", null, { maxTries: 1 }), "METRICS");
  await waitForTask(c, bad.id, "expired");
  await w.stop();
  const res = await fetch(`http://127.0.0.1:${server.port}/metrics`);
  const text = await res.text();
  const other = await fetch(`http://127.0.0.1:${server.port}/`);
  await server.close();
  expect(other.status).toBe(404);
  expect(res.headers.get("content-type")).toContain("text/plain");
  for (const line of [
    'choria_asyncjobs_queue_poll_total{queue="METRICS"}',
    'choria_asyncjobs_queue_poll_error_total{queue="METRICS"} 0',
    'choria_asyncjobs_queue_item_corrupt_error_count{queue="METRICS"} 0',
    'choria_asyncjobs_queue_task_not_found_error_count{queue="METRICS"} 0',
    'choria_asyncjobs_queue_task_past_deadline_count{queue="METRICS"} 0',
    'choria_asyncjobs_queue_task_past_max_tries_count{queue="METRICS"} 1',
    'choria_asyncjobs_task_update_total{state="active"} 2',
    'choria_asyncjobs_task_update_total{state="complete"} 1',
    'choria_asyncjobs_task_update_total{state="retry"} 1',
    'choria_asyncjobs_task_update_total{state="expired"} 1',
    "choria_asyncjobs_task_update_error_total 0",
    "choria_asyncjobs_task_dependencies_failed 0",
    "choria_asyncjobs_handler_busy_count 0",
    'choria_asyncjobs_handler_error_total{queue="METRICS",type="bad"} 1',
    'choria_asyncjobs_handler_runtime_count{queue="METRICS",type="ok"} 1',
    'choria_asyncjobs_handler_runtime_sum{queue="METRICS",type="ok"}',
    "# TYPE choria_asyncjobs_handler_runtime summary",
    "# TYPE choria_asyncjobs_handler_busy_count gauge",
    "# TYPE choria_asyncjobs_queue_poll_total counter",
  ]) {
    expect(text).toContain(line);
  }
});

test("a worker keeps working after NATS restarts", async () => {
  const c = env.client;
  await c.createQueue({ name: "OUTAGE", max_runtime: "30s" });
  const metrics = new WorkerMetrics();
  const w = startWorker(
    c,
    new Router().handle("job", () => "done"),
    { queue: "OUTAGE", metrics },
  );
  const before = await c.enqueue(c.newTask("job", null), "OUTAGE");
  await waitForTask(c, before.id, "complete");
  await env.nats.stop();
  await Bun.sleep(300);
  await env.nats.start();
  await until(() => c.connected, 10_000, "the reconnect");
  const after = await c.enqueue(c.newTask("job", null), "OUTAGE");
  await waitForTask(c, after.id, "complete", 10_000);
  await w.stop();
  expect(w.outcomes.map((o) => o.state)).toEqual(["complete", "complete"]);
}, 30_000);
