import { afterAll, beforeAll, expect, test } from "bun:test";
import { TerminateTaskError } from "../../src/core/errors.ts";
import { startTestEnv, type TestEnv } from "../helpers/client.ts";
import { jsonPayload, Router, startWorker, waitForTask } from "./harness.ts";

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
  expect((await c.queueInfo("OK")).entries).toBe(0);
});
