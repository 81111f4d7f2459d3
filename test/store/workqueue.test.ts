/** The work queue reader against a real server: slot-bounded pulls, acknowledgements, corrupt items, outages. */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { queueStream, WORKERS_CONSUMER } from "../../src/store/subjects.ts";
import { type WorkItem, WorkQueueReader } from "../../src/store/workqueue.ts";
import { startTestEnv, type TestEnv } from "../helpers/client.ts";

let env: TestEnv;
beforeAll(async () => {
  env = await startTestEnv();
});
afterAll(() => env.close());

async function until(cond: () => boolean | Promise<boolean>, timeoutMs = 10_000, what = "condition") {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(20);
  }
}

/** The workers' consumer of `queue` as the server sees it. */
const consumer = (queue: string) =>
  env.client.storage.jet.jsm.consumers.info(queueStream(queue), WORKERS_CONSUMER);

/**
 * Waits until the server holds no open pull request for `queue`: from then on nothing more can be
 * delivered, so what the caller holds is final (no fixed sleep to assert that nothing else came).
 */
async function settled(queue: string) {
  await until(async () => (await consumer(queue)).num_waiting === 0, 5000, "no open pull request");
  await env.client.storage.nc.flush(); // deliveries sent before that answer have arrived too
}

/** A reader whose caller holds every item until told to let go, with `slots` free slots. */
function holdingReader(queue: string, slots: number) {
  const held: WorkItem[] = [];
  let corrupt = 0;
  let polls = 0;
  const errors: string[] = [];
  const reader = new WorkQueueReader(env.client.storage.jet, {
    queue,
    capacity: () => slots - held.length,
    onItem: (i) => held.push(i),
    onCorrupt: () => corrupt++,
    onPoll: () => polls++,
    onPollError: (e) => errors.push(e.message),
    heartbeatMs: 500,
    expiresMs: 2000,
  });
  return {
    reader,
    held,
    errors,
    get corrupt() {
      return corrupt;
    },
    get polls() {
      return polls;
    },
  };
}

test("never pulls more items than there are free slots", async () => {
  const c = env.client;
  await c.createQueue({ name: "SLOTS", max_runtime: "30s" });
  for (let i = 0; i < 12; i++) await c.storage.queues.publishItem("SLOTS", `T${i}`, true);
  const h = holdingReader("SLOTS", 5);
  h.reader.start();
  await until(() => h.held.length === 5, 5000, "five items");
  await settled("SLOTS");
  expect(h.held.length).toBe(5);
  expect((await consumer("SLOTS")).num_ack_pending).toBe(5);
  expect(h.held.map((i) => i.taskId)).toEqual(["T0", "T1", "T2", "T3", "T4"]);
  expect(h.held[0]!.deliveryCount).toBe(1);
  expect(h.held[0]!.kind).toBe(0);
  for (const i of h.held.splice(0, 2)) i.ack();
  h.reader.wake();
  await until(() => h.held.length === 5, 5000, "two more");
  await settled("SLOTS");
  expect(h.held.map((i) => i.taskId)).toEqual(["T2", "T3", "T4", "T5", "T6"]);
  h.reader.stop();
  for (const i of h.held.splice(0)) i.nak(0);
  await until(async () => (await c.queueInfo("SLOTS")).entries === 10, 5000, "two items acknowledged");
});

test("acknowledgements use the asyncjobs wire format", async () => {
  const c = env.client;
  await c.createQueue({ name: "ACKS", max_runtime: "30s" });
  const seen: string[] = [];
  const sub = c.storage.nc.subscribe("$JS.ACK.CHORIA_AJ_Q_ACKS.>", {
    callback: (_e, m) => {
      seen.push(m.string());
    },
  });
  for (const id of ["A", "B", "C", "D"]) await c.storage.queues.publishItem("ACKS", id, true);
  const h = holdingReader("ACKS", 4);
  h.reader.start();
  await until(() => h.held.length === 4, 5000, "four items");
  const [a, b, d, e] = h.held as [WorkItem, WorkItem, WorkItem, WorkItem];
  await e.inProgress();
  a.ack();
  a.nak(5); // ignored: the item is already acknowledged
  b.nak(1_000_000_000);
  d.term();
  e.ack();
  await until(() => seen.length === 5, 2000, "five acknowledgements");
  sub.unsubscribe();
  h.reader.stop();
  expect(seen).toEqual(["+WPI", "+ACK", '-NAK {"delay": 1000000000}', "+TERM", "+ACK"]);
  await expect(a.inProgress()).rejects.toThrow("already acknowledged");
});

test("corrupt items are terminated and counted", async () => {
  const c = env.client;
  await c.createQueue({ name: "CORRUPT", max_runtime: "30s" });
  const js = c.storage.jet.js;
  await js.publish("CHORIA_AJ.Q.CORRUPT.a", "not json");
  await js.publish("CHORIA_AJ.Q.CORRUPT.b", "");
  await js.publish("CHORIA_AJ.Q.CORRUPT.c", '{"kind":0}');
  await c.storage.queues.publishItem("CORRUPT", "GOOD", true);
  const h = holdingReader("CORRUPT", 10);
  h.reader.start();
  await until(() => h.corrupt === 3 && h.held.length === 1, 5000, "three corrupt, one good");
  h.held[0]!.ack();
  await until(async () => (await c.queueInfo("CORRUPT")).in_flight === 0, 5000, "no items in flight");
  h.reader.stop();
  expect(h.held[0]!.taskId).toBe("GOOD");
});

test("keeps pulling after the NATS server restarts, and stops cleanly", async () => {
  const c = env.client;
  await c.createQueue({ name: "OUTAGE", max_runtime: "30s" });
  const h = holdingReader("OUTAGE", 3);
  h.reader.start();
  await c.storage.queues.publishItem("OUTAGE", "BEFORE", true);
  await until(() => h.held.length === 1, 5000, "the first item");
  h.held.shift()!.ack();
  h.reader.wake();
  await Bun.sleep(100);
  await env.nats.stop();
  await Bun.sleep(500);
  await env.nats.start();
  await until(() => c.connected, 10_000, "the reconnect");
  await c.storage.queues.publishItem("OUTAGE", "AFTER", true);
  await until(() => h.held.length === 1, 10_000, "an item after the outage");
  expect(h.held[0]!.taskId).toBe("AFTER");
  h.held.shift()!.ack();
  h.reader.stop();
  await c.storage.queues.publishItem("OUTAGE", "STOPPED", true);
  // A request still open at the server hands STOPPED to the inbox the reader left; once none is
  // open, nothing else can reach the caller.
  await settled("OUTAGE");
  expect(h.held.length).toBe(0);
  expect((await c.queueInfo("OUTAGE")).entries).toBe(1);
}, 30_000);
