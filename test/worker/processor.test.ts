/** The processing rules of the spec, against a real NATS server through the library worker. */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { TerminateTaskError } from "../../src/core/errors.ts";
import { formatTimeMs } from "../../src/core/time.ts";
import { WorkerMetrics } from "../../src/worker/index.ts";
import { startTestEnv, type TestEnv } from "../helpers/client.ts";
import { jsonPayload, Router, startWorker, until, waitForTask } from "./harness.ts";

let env: TestEnv;
beforeAll(async () => {
  env = await startTestEnv();
});
afterAll(() => env.close());

test("success stores the handler's result and completes the task", async () => {
  const c = env.client;
  await c.createQueue({ name: "OK", max_runtime: "10s" });
  const seen: unknown[] = [];
  const router = new Router().handle("email:new", async (t) => {
    seen.push({
      json: t.json,
      bytes: new TextDecoder().decode(t.payload),
      attempt: t.attempt,
      state: t.task.state,
    });
    return { sent: true };
  });
  const w = startWorker(c, router, { queue: "OK", concurrency: 2 });
  const task = await c.enqueue(c.newTask("email:new", jsonPayload({ to: "a@b" })), "OK");
  const done = await waitForTask(c, task.id, "complete");
  await w.stop();
  expect(done.result?.payload).toEqual({ sent: true });
  expect(done.tries).toBe(1);
  expect(done.last_err).toBeUndefined();
  expect(seen).toEqual([{ json: { to: "a@b" }, bytes: '{"to":"a@b"}', attempt: 1, state: "active" }]);
  expect(w.outcomes.map((o) => [o.taskId, o.state])).toEqual([[task.id, "complete"]]);
  await until(async () => (await c.queueInfo("OK")).entries === 0, 5000, "the item to be acknowledged");
});

test("a failure is retried after the policy's delay, then completes", async () => {
  const c = env.client;
  await c.createQueue({ name: "RETRY", max_runtime: "10s" });
  let calls = 0;
  const router = new Router().handle("flaky", () => {
    calls++;
    if (calls === 1) throw new Error("smtp down");
    return "ok";
  });
  const states: string[] = [];
  const watch = new AbortController();
  const events = (async () => {
    for await (const e of c.watchEvents({ signal: watch.signal }))
      states.push(String((e.event as { state?: string }).state));
  })();
  await c.storage.nc.flush(); // the server has the subscription: no event can be missed
  const w = startWorker(c, router, { queue: "RETRY" });
  const task = await c.enqueue(c.newTask("flaky", null), "RETRY");
  const done = await waitForTask(c, task.id, "complete");
  await until(() => states.includes("complete"), 5000, "the complete event");
  await w.stop();
  watch.abort();
  await events;
  expect(calls).toBe(2);
  expect(done.tries).toBe(2);
  expect(done.result?.payload).toBe("ok");
  expect(w.outcomes.map((o) => [o.state, o.error])).toEqual([
    ["retry", "smtp down"],
    ["complete", undefined],
  ]);
  expect(states).toEqual(["new", "active", "retry", "active", "complete"]);
});

test("TerminateTaskError ends the task terminated and removes its item", async () => {
  const c = env.client;
  await c.createQueue({ name: "TERM", max_runtime: "10s" });
  let calls = 0;
  const router = new Router().handle("bad", () => {
    calls++;
    throw new TerminateTaskError("invalid address");
  });
  const w = startWorker(c, router, { queue: "TERM" });
  const task = await c.enqueue(c.newTask("bad", null), "TERM");
  const done = await waitForTask(c, task.id, "terminated");
  await until(async () => (await c.queueInfo("TERM")).entries === 0, 5000, "the item to be terminated");
  await w.stop();
  expect(calls).toBe(1);
  expect(done.last_err).toBe("invalid address");
});

test("a task at its max tries expires instead of running", async () => {
  const c = env.client;
  await c.createQueue({ name: "MAXTRIES", max_runtime: "10s" });
  let calls = 0;
  const router = new Router().handle("fails", () => {
    calls++;
    throw new Error(`try ${calls} failed`);
  });
  const metrics = new WorkerMetrics();
  const w = startWorker(c, router, { queue: "MAXTRIES", metrics });
  const task = await c.enqueue(c.newTask("fails", null, { maxTries: 2 }), "MAXTRIES");
  const done = await waitForTask(c, task.id, "expired");
  await until(async () => (await c.queueInfo("MAXTRIES")).entries === 0, 5000, "the item to be acknowledged");
  await w.stop();
  expect(calls).toBe(2);
  expect(done.tries).toBe(2);
  expect(done.last_err).toBe("try 2 failed");
  expect(metrics.pastMaxTries.get({ queue: "MAXTRIES" })).toBe(1);
});

test("reaching the queue's max tries expires the task at once", async () => {
  const c = env.client;
  await c.createQueue({ name: "QTRIES", max_runtime: "10s", max_tries: 2 });
  let calls = 0;
  const router = new Router().handle("fails", () => {
    calls++;
    throw new Error("nope");
  });
  const w = startWorker(c, router, { queue: "QTRIES" });
  const task = await c.enqueue(c.newTask("fails", null), "QTRIES");
  const done = await waitForTask(c, task.id, "expired");
  await until(async () => (await c.queueInfo("QTRIES")).entries === 0, 5000, "the item to be acknowledged");
  await w.stop();
  expect(calls).toBe(2);
  expect(done.tries).toBe(2);
  expect(w.outcomes.map((o) => o.state)).toEqual(["retry", "expired"]);
});

test("a task past its deadline expires without running", async () => {
  const c = env.client;
  await c.createQueue({ name: "LATE", max_runtime: "10s" });
  let calls = 0;
  const router = new Router().handle("", () => {
    calls++;
  });
  const metrics = new WorkerMetrics();
  const task = await c.enqueue(
    c.newTask("late", null, { deadline: formatTimeMs(Date.now() - 1000) }),
    "LATE",
  );
  const w = startWorker(c, router, { queue: "LATE", metrics });
  const done = await waitForTask(c, task.id, "expired");
  await until(async () => (await c.queueInfo("LATE")).entries === 0, 5000, "the item to be acknowledged");
  await w.stop();
  expect(calls).toBe(0);
  expect(done.tries).toBe(0);
  expect(metrics.pastDeadline.get({ queue: "LATE" })).toBe(1);
});

test("a handler past the queue's run time fails; extending the lease keeps it going", async () => {
  const c = env.client;
  await c.createQueue({ name: "SLOW", max_runtime: "1s" });
  let slowCalls = 0;
  const router = new Router()
    .handle("slow", async () => {
      slowCalls++;
      if (slowCalls === 1) await Bun.sleep(1500);
      return "second try";
    })
    .handle("long", async (t) => {
      for (let i = 0; i < 4; i++) {
        await Bun.sleep(400);
        await t.extendLease();
      }
      expect(t.signal.aborted).toBe(false);
      return "extended";
    });
  const w = startWorker(c, router, { queue: "SLOW", concurrency: 2 });
  const slow = await c.enqueue(c.newTask("slow", null), "SLOW");
  const long = await c.enqueue(c.newTask("long", null), "SLOW");
  const slowDone = await waitForTask(c, slow.id, "complete");
  const longDone = await waitForTask(c, long.id, "complete");
  await w.stop();
  expect(slowDone.tries).toBe(2);
  expect(w.outcomes.find((o) => o.taskId === slow.id)?.error).toBe("handler deadline exceeded");
  expect(longDone.tries).toBe(1);
  expect(longDone.result?.payload).toBe("extended");
}, 20_000);

test("dependencies: a blocked task waits, then runs with its dependencies' results", async () => {
  const c = env.client;
  await c.createQueue({ name: "DEPS", max_runtime: "10s" });
  let childSaw: unknown;
  const router = new Router()
    .handle("parent", (t) => ({ from: t.id }))
    .handle("child", (t) => {
      childSaw = t.task.dependency_results;
      return "child done";
    });
  const w = startWorker(c, router, { queue: "DEPS" });
  const parent = c.newTask("parent", null);
  parent.queue = "DEPS";
  await c.storage.tasks.save(parent);
  // The child comes first: its dependency is not complete, so it is NAKed for 5s.
  const child = await c.enqueue(
    c.newTask("child", null, { dependencies: [parent.id], loadDependencies: true }),
    "DEPS",
  );
  await until(() => w.outcomes.some((o) => o.taskId === child.id && o.state === "blocked"), 5000, "blocked");
  await c.enqueue(parent, "DEPS");
  const parentDone = await waitForTask(c, parent.id, "complete");
  const childDone = await waitForTask(c, child.id, "complete", 10_000);
  await w.stop();
  expect(childDone.dependency_results?.[parent.id]?.payload).toEqual({ from: parent.id });
  expect(childSaw).toEqual({ [parent.id]: parentDone.result! });
}, 20_000);

test("dependencies: a missing or failed dependency makes the task unreachable", async () => {
  const c = env.client;
  await c.createQueue({ name: "UNREACH", max_runtime: "10s" });
  let ran = 0;
  const router = new Router()
    .handle("doomed", () => {
      throw new TerminateTaskError("no");
    })
    .handle("child", () => {
      ran++;
    });
  const metrics = new WorkerMetrics();
  const w = startWorker(c, router, { queue: "UNREACH", metrics });
  const orphan = await c.enqueue(c.newTask("child", null, { dependencies: ["01NOSUCHTASK"] }), "UNREACH");
  const doomed = await c.enqueue(c.newTask("doomed", null), "UNREACH");
  await waitForTask(c, doomed.id, "terminated");
  const child = await c.enqueue(c.newTask("child", null, { dependencies: [doomed.id] }), "UNREACH");
  // A task stored without a state (Go's "unknown" state) can never complete either.
  await c.storage.jet.js.publish(
    "CHORIA_AJ.T.NOSTATE",
    '{"id":"NOSTATE","type":"x","created":"2024-01-01T00:00:00Z"}',
  );
  const stateless = await c.enqueue(c.newTask("child", null, { dependencies: ["NOSTATE"] }), "UNREACH");
  const a = await waitForTask(c, orphan.id, "unreachable");
  const b = await waitForTask(c, child.id, "unreachable");
  const d = await waitForTask(c, stateless.id, "unreachable");
  await until(async () => (await c.queueInfo("UNREACH")).entries === 0, 5000, "the items to be terminated");
  await w.stop();
  expect(ran).toBe(0);
  expect(a.last_err).toContain("01NOSUCHTASK");
  expect(b.last_err).toContain(doomed.id);
  expect(d.last_err).toContain("NOSTATE");
  expect(metrics.dependenciesFailed.get({})).toBe(3);
});

test("a completed task is never run again by a redelivered old item", async () => {
  const c = env.client;
  await c.createQueue({ name: "ONCE", max_runtime: "10s" });
  let calls = 0;
  const router = new Router().handle("once", () => ++calls);
  const w = startWorker(c, router, { queue: "ONCE" });
  const task = await c.enqueue(c.newTask("once", null), "ONCE");
  await waitForTask(c, task.id, "complete");
  // An old copy of the work item shows up again (as after a lost ack).
  await c.storage.queues.publishItem("ONCE", task.id, false);
  await until(() => w.outcomes.length === 2, 5000, "the second item");
  await until(async () => (await c.queueInfo("ONCE")).entries === 0, 5000, "the item to be acknowledged");
  await w.stop();
  expect(calls).toBe(1);
  expect(w.outcomes.map((o) => o.state)).toEqual(["complete", "complete"]);
  expect((await c.loadTask(task.id)).tries).toBe(1);
});

test("an item of a task that is active elsewhere is left alone; a missing task's item is terminated", async () => {
  const c = env.client;
  await c.createQueue({ name: "BUSY", max_runtime: "30s" });
  let calls = 0;
  const router = new Router().handle("", () => ++calls);
  const metrics = new WorkerMetrics();
  const active = c.newTask("x", null);
  active.queue = "BUSY";
  active.state = "active";
  active.tried = formatTimeMs(Date.now());
  await c.storage.tasks.save(active);
  await c.storage.queues.publishItem("BUSY", active.id, true);
  await c.storage.queues.publishItem("BUSY", "01GHOST", true);
  const w = startWorker(c, router, { queue: "BUSY", metrics });
  await until(() => w.outcomes.length === 2, 5000, "two outcomes");
  await w.stop();
  expect(calls).toBe(0);
  expect(w.outcomes.map((o) => [o.taskId, o.state]).sort()).toEqual([
    ["01GHOST", "missing"],
    [active.id, "skipped"],
  ]);
  expect(metrics.taskNotFound.get({ queue: "BUSY" })).toBe(1);
  const q = await c.queueInfo("BUSY");
  expect(q.entries).toBe(1); // the active task's item waits for its ack wait
  expect((await c.loadTask(active.id)).state).toBe("active");
});

test("discarded end states delete the task but still publish its event", async () => {
  const c = env.client;
  await c.createQueue({ name: "DISCARD", max_runtime: "10s" });
  const router = new Router().handle("", () => "gone");
  const seen: string[] = [];
  const watch = new AbortController();
  const task = c.newTask("d", null);
  const events = (async () => {
    for await (const e of c.watchEvents({ taskId: task.id, signal: watch.signal }))
      seen.push(String((e.event as { state?: string }).state));
  })();
  await c.storage.nc.flush(); // the server has the subscription: no event can be missed
  const w = startWorker(c, router, { queue: "DISCARD", discard: ["complete"] });
  await c.enqueue(task, "DISCARD");
  await until(() => seen.includes("complete"), 5000, "the complete event");
  await w.stop();
  watch.abort();
  await events;
  await expect(c.loadTask(task.id)).rejects.toMatchObject({ reason: "task_not_found" });
  expect(seen).toEqual(["new", "active", "complete"]);
});

test("an item that comes before its task's run_at is given back until then, never run early", async () => {
  const c = env.client;
  await c.createQueue({ name: "EARLY", max_runtime: "10s" });
  const started: number[] = [];
  const router = new Router().handle("early", async () => {
    started.push(Date.now());
  });
  const w = startWorker(c, router, { queue: "EARLY", concurrency: 1 });
  // Stored and published by hand, as no enqueue would: the wake-up is what normally brings it.
  const task = c.newTask("early", null, { runAt: new Date(Date.now() + 2_500) });
  task.queue = "EARLY";
  await c.storage.tasks.save(task);
  await c.storage.queues.publishItem("EARLY", task.id, false);
  await Bun.sleep(1_000);
  expect(started).toEqual([]);
  expect((await c.loadTask(task.id)).state).toBe("new");
  const done = await waitForTask(c, task.id, "complete", 15_000);
  await w.stop();
  expect(started).toHaveLength(1);
  expect(started[0]!).toBeGreaterThanOrEqual(Date.parse(task.run_at!));
  expect(done.tries).toBe(1);
});
