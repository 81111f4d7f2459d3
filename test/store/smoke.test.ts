import { afterAll, beforeAll, expect, test } from "bun:test";
import { startTestEnv, type TestEnv } from "../helpers/client.ts";

let env: TestEnv;
beforeAll(async () => {
  env = await startTestEnv();
});
afterAll(() => env.close());

test("enqueue, load, list, retry, delete", async () => {
  const c = env.client;
  await c.createQueue({ name: "EMAIL", max_runtime: "1h" });
  const t = c.newTask("email:new", Buffer.from('{"to":"x"}').toString("base64"));
  await c.enqueue(t, "EMAIL");
  const loaded = await c.loadTask(t.id);
  expect(loaded.queue).toBe("EMAIL");
  expect(loaded.state).toBe("new");
  const all = [];
  for await (const x of c.listTasks()) all.push(x);
  expect(all.map((x) => x.id)).toEqual([t.id]);
  const q = await c.queueInfo("EMAIL");
  expect(q.entries).toBe(1);
  const r = await c.retryTask(t.id);
  expect(r.state).toBe("retry");
  await c.deleteTask(t.id);
  await expect(c.loadTask(t.id)).rejects.toMatchObject({ reason: "task_not_found" });
  await expect(c.enqueue(c.newTask("x", null), "NOPE")).rejects.toMatchObject({ reason: "queue_not_found" });
});
