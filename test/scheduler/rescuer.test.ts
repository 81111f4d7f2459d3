/**
 * The rescuer against a real NATS server: tasks stranded by hand (stored without a work item, or
 * stored active after their item was acknowledged) are requeued; a queued task, a young active
 * one and a finished one are left exactly as they are; a dry run changes nothing; a task whose
 * queue is gone is marked `queue_error`. The rescuing client's clock runs two hours ahead, so
 * "older than the queue's max run time" (1h by default) needs no waiting.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import type { Client } from "../../src/client.ts";
import type { Task } from "../../src/core/task.ts";
import { formatTimeMs } from "../../src/core/time.ts";
import { rescueLine, rescueSummary, rescueTasks } from "../../src/scheduler/rescuer.ts";
import { startTestEnv, type TestEnv } from "../helpers/client.ts";

const HOUR = 3_600_000;

let env: TestEnv;
/** A client whose clock is two hours ahead: every task looks long untouched to it. */
let later: Client;

beforeAll(async () => {
  env = await startTestEnv();
  await env.client.createQueue({ name: "RESCUE" });
  later = await env.connect({ now: () => Date.now() + 2 * HOUR });
}, 20_000);

afterAll(async () => {
  await env.close();
}, 20_000);

/** Stores a task as a crashed or buggy writer would leave it: saved, but no work item published. */
async function strand(type: string, edit: (t: Task) => void = () => {}): Promise<Task> {
  const t = env.client.newTask(type, null);
  t.queue = "RESCUE";
  edit(t);
  await env.client.storage.tasks.save(t);
  return t;
}

const hasItem = (t: Task) => env.client.storage.queues.hasItem(t.queue, t.id);

async function stored(id: string) {
  return env.client.storage.tasks.loadStored(id);
}

test("a new task without a work item is requeued; a queued one is left as it is", async () => {
  const lost = await strand("lost:new");
  const healthy = await env.client.enqueue(env.client.newTask("healthy:new", null), "RESCUE");
  const healthyBefore = await stored(healthy.id);

  const report = await rescueTasks(later);
  const mine = report.entries.filter((e) => e.id === lost.id);
  expect(mine).toEqual([
    {
      id: lost.id,
      queue: "RESCUE",
      state: "new",
      action: "requeued",
      to: "new",
      reason: expect.stringMatching(/^rescued: no work item would ever deliver it/),
    },
  ]);
  expect(report.entries.some((e) => e.id === healthy.id)).toBe(false);
  expect(report).toMatchObject({ dryRun: false, requeued: 1, marked: 0, failed: 0, left: 1, checked: 2 });

  expect(await hasItem(lost)).toBe(true);
  const after = (await stored(lost.id)).task;
  expect(after.state).toBe("new");
  expect(after.last_err).toStartWith("rescued:");
  // The healthy task was not saved again.
  const healthyAfter = await stored(healthy.id);
  expect(healthyAfter.savedAtMs).toBe(healthyBefore.savedAtMs);
  expect(healthyAfter.task).toEqual(healthyBefore.task);
  expect(await hasItem(healthy)).toBe(true);

  // A second run finds nothing to do: the requeued task has its item now.
  const again = await rescueTasks(later);
  expect(again).toMatchObject({ requeued: 0, marked: 0, failed: 0 });
  await env.client.purgeQueue("RESCUE");
  await env.client.purgeTasks();
}, 20_000);

test("an active task whose item was acknowledged is saved retry and requeued; its handler error is kept", async () => {
  const acked = await strand("acked:active", (t) => {
    t.state = "active";
    t.tries = 1;
    t.tried = formatTimeMs(Date.now() - 10_000);
    t.last_err = "previous failure";
  });
  const report = await rescueTasks(later);
  expect(report.entries).toEqual([
    expect.objectContaining({ id: acked.id, state: "active", action: "requeued", to: "retry" }),
  ]);
  const t = (await stored(acked.id)).task;
  expect(t.state).toBe("retry");
  expect(t.tries).toBe(1);
  expect(t.last_err).toMatch(
    /^rescued: it was active with no work item .* \(its last error: previous failure\)$/,
  );
  expect(await hasItem(t)).toBe(true);
  expect(rescueLine(report.entries[0]!, false)).toStartWith(
    `Requeued task ${acked.id} (active -> retry) in queue RESCUE: rescued: it was active`,
  );
  await env.client.purgeQueue("RESCUE");
  await env.client.purgeTasks();
}, 20_000);

test("an active task within the queue's run time, and finished tasks, are left alone", async () => {
  const running = await strand("young:active", (t) => {
    t.state = "active";
    t.tries = 1;
    t.tried = formatTimeMs(Date.now());
  });
  const done = await strand("done:complete", (t) => {
    t.state = "complete";
  });
  const before = await stored(running.id);
  // The real clock: the active task was saved moments ago, well within the 1h run time.
  const report = await rescueTasks(env.client, { verbose: true });
  expect(report.entries).toEqual([
    expect.objectContaining({
      id: running.id,
      action: "left",
      reason: expect.stringContaining("within the queue's max run time of 1h0m0s"),
    }),
  ]);
  expect(report.entries.some((e) => e.id === done.id)).toBe(false);
  const after = await stored(running.id);
  expect(after.savedAtMs).toBe(before.savedAtMs);
  expect(after.task).toEqual(before.task);
  expect(await hasItem(running)).toBe(false);
  await env.client.purgeTasks();
}, 20_000);

test("a dry run reports what it would do and changes nothing", async () => {
  const lost = await strand("dry:new");
  const before = await stored(lost.id);
  const report = await rescueTasks(later, { dryRun: true });
  expect(report).toMatchObject({ dryRun: true, requeued: 1, checked: 1 });
  expect(rescueLine(report.entries[0]!, true)).toStartWith(
    `Would requeue task ${lost.id} (new) in queue RESCUE`,
  );
  expect(rescueSummary(report)).toBe(
    "Dry run: checked 1 unfinished tasks: 1 would requeue, 0 would mark queue_error, 0 left alone, 0 stuck, 0 failed",
  );
  const after = await stored(lost.id);
  expect(after.savedAtMs).toBe(before.savedAtMs);
  expect(after.task).toEqual(before.task);
  expect(await hasItem(lost)).toBe(false);
  await env.client.purgeTasks();
}, 20_000);

test("a task whose queue no longer exists is marked queue_error once; a queue_error one with a queue is requeued", async () => {
  const orphan = await strand("orphan:new", (t) => {
    t.queue = "GONE";
  });
  const failed = await strand("failed:publish", (t) => {
    t.state = "queue_error";
    t.last_err = "publishing to queue RESCUE: NATS JetStream is not available";
  });
  const report = await rescueTasks(later);
  const byId = new Map(report.entries.map((e) => [e.id, e]));
  expect(byId.get(orphan.id)).toMatchObject({ action: "marked", state: "new", to: "queue_error" });
  expect(byId.get(failed.id)).toMatchObject({ action: "requeued", state: "queue_error", to: "new" });
  const o = (await stored(orphan.id)).task;
  expect(o.state).toBe("queue_error");
  expect(o.last_err).toBe("rescued: queue GONE does not exist, so no work item can deliver this task");
  const f = (await stored(failed.id)).task;
  expect(f.state).toBe("new");
  expect(f.last_err).toStartWith("rescued: no work item");
  expect(await hasItem(f)).toBe(true);

  // Marked once: the next run leaves it.
  const orphanSaved = (await stored(orphan.id)).savedAtMs;
  const again = await rescueTasks(later, { verbose: true });
  expect(again.entries.find((e) => e.id === orphan.id)).toMatchObject({
    action: "left",
    reason: "queue GONE does not exist; already marked queue_error",
  });
  expect((await stored(orphan.id)).savedAtMs).toBe(orphanSaved);
  await env.client.purgeQueue("RESCUE");
  await env.client.purgeTasks();
}, 20_000);

test("a worker that saves the task while the rescuer decides wins: the rescuer leaves it and publishes nothing", async () => {
  const stuck = await strand("race:active", (t) => {
    t.state = "active";
    t.tries = 1;
    t.tried = formatTimeMs(Date.now() - 10_000);
  });
  // The "worker" saves its outcome on the rescuer's own connection at the moment the rescuer reads
  // its clock (after loading the task, before saving it): NATS keeps the order, so the worker's
  // save reaches the task store first, deterministically.
  let racer: Task | undefined;
  let saved: Promise<void> | undefined;
  let rescuer: Client | undefined;
  rescuer = await env.connect({
    now: () => {
      if (racer && rescuer && !saved) saved = rescuer.storage.tasks.save(racer);
      return Date.now() + 2 * HOUR;
    },
  });
  racer = await rescuer.storage.tasks.load(stuck.id);
  racer.state = "complete";
  racer.result = { payload: "done", completed: formatTimeMs(Date.now()) };
  const report = await rescueTasks(rescuer, { verbose: true });
  await saved;
  expect(saved).toBeDefined();
  expect(report.entries).toEqual([
    expect.objectContaining({
      id: stuck.id,
      action: "left",
      reason: "it was changed by someone else while being checked",
    }),
  ]);
  const t = (await stored(stuck.id)).task;
  expect(t.state).toBe("complete");
  expect(t.last_err).toBeUndefined();
  expect(await hasItem(t)).toBe(false);
  await env.client.purgeTasks();
}, 20_000);

test("an item that used up the queue's max deliveries is reported stuck, not touched; a retry by hand frees it", async () => {
  await env.client.createQueue({ name: "ONCE", max_tries: 1, max_runtime: "1s" });
  const t = await env.client.enqueue(env.client.newTask("once:new", null), "ONCE");
  // A worker takes the one delivery and dies without a word.
  const consumer = await env.client.storage.jet.js.consumers.get("CHORIA_AJ_Q_ONCE", "WORKERS");
  const m = await consumer.next({ expires: 5_000 });
  expect(m?.json<{ job: string }>().job).toBe(t.id);
  // Other workers keep pulling: past the run time the server would redeliver, finds the max
  // deliveries used up, and drops the item from its pending list (it stays in the stream).
  const deadline = Date.now() + 10_000;
  while ((await env.client.storage.queues.deliveryState("ONCE")).ackPending > 0) {
    if (Date.now() > deadline) throw new Error("the delivery never timed out");
    expect(await consumer.next({ expires: 1_000 })).toBeNull();
  }
  expect(await env.client.storage.queues.hasItem("ONCE", t.id)).toBe(true);
  const before = await stored(t.id);

  const report = await rescueTasks(later);
  expect(report.entries).toEqual([
    {
      id: t.id,
      queue: "ONCE",
      state: "new",
      action: "stuck",
      reason: `its work item used up the queue's 1 deliveries, so JetStream keeps it but never delivers it again: retry it by hand (ajc task retry ${t.id}) or raise the queue's max tries`,
    },
  ]);
  expect(report.stuck).toBe(1);
  expect(rescueSummary(report)).toContain("1 stuck, 0 failed");
  const after = await stored(t.id);
  expect(after.savedAtMs).toBe(before.savedAtMs);

  // The operator's fix: a retry publishes a fresh item, which the consumer delivers again.
  await env.client.retryTask(t.id);
  const again = await rescueTasks(later, { verbose: true });
  expect(again.entries.find((e) => e.id === t.id)).toMatchObject({ action: "left" });
  const next = await consumer.next({ expires: 5_000 });
  expect(next?.json<{ job: string }>().job).toBe(t.id);
  next?.ack();
  await env.client.deleteQueue("ONCE");
  await env.client.purgeTasks();
}, 30_000);
