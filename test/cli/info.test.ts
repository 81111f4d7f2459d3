/** `ajc info` as a subprocess of the compiled binary. */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { ajcBinary, runAjc } from "../helpers/binary.ts";
import { startTestEnv, type TestEnv } from "../helpers/client.ts";

// Each test runs the compiled binary a few times; a loaded machine needs more than the default 5s.
setDefaultTimeout(30_000);

let t: TestEnv;
let env: Record<string, string>;
beforeAll(async () => {
  ajcBinary();
  t = await startTestEnv();
  env = { NATS_URL: t.nats.url };
});
afterAll(() => t.close());

test("an empty installation", async () => {
  const r = await runAjc(["info"], { env });
  expect(r.code).toBe(0);
  expect(r.stdout).toContain("Tasks Storage:");
  expect(r.stdout).toMatch(/Stream: CHORIA_AJ_TASKS\n/);
  expect(r.stdout).toContain("Configuration Storage:");
  expect(r.stdout).toContain("Leader Elections:");
  expect(r.stdout).toMatch(/TTL: 10s\n/);
  expect(r.stdout).toContain("No queues defined");
});

test("tasks, schedules and queues are counted; JSON too", async () => {
  await t.client.createQueue({ name: "EMAIL" });
  await t.client.enqueue(t.client.newTask("x", null), "EMAIL");
  await t.client.createSchedule({
    name: "s",
    schedule: "@hourly",
    queue: "EMAIL",
    task_type: "x",
    payload: null,
    max_tries: 1,
    created_at: "2024-04-14T10:00:00Z",
  });
  const [human, json] = await Promise.all([runAjc(["info"], { env }), runAjc(["info", "--json"], { env })]);
  expect(human.stdout).toMatch(/Tasks: 1\n/);
  expect(human.stdout).toMatch(/Schedules: 1\n/);
  expect(human.stdout).toMatch(/\nEMAIL\s+1\s+/);
  const o = JSON.parse(json.stdout);
  expect(o.tasks).toMatchObject({ stream: "CHORIA_AJ_TASKS", messages: 1 });
  expect(o.queues.map((q: { name: string }) => q.name)).toEqual(["EMAIL"]);
  expect(o.schedules).toBe(1);
  expect(o.elections).toMatchObject({ bucket: "CHORIA_AJ_ELECTIONS", ttlMs: 10_000 });
});
