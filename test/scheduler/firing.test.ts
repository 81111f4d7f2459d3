/**
 * A firing's identity: the same task id in every scheduler for one schedule and due time, so two
 * schedulers that both fire one due time (a hand-over window) make one task and one work item.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { decodeTime } from "ulid";
import { isValidName } from "../../src/core/names.ts";
import type { Schedule } from "../../src/core/schedule.ts";
import type { Task } from "../../src/core/task.ts";
import { fireOnce, firingTaskId } from "../../src/scheduler/firing.ts";
import type { Firing } from "../../src/scheduler/timetable.ts";
import { startTestEnv, type TestEnv } from "../helpers/client.ts";

let env: TestEnv;

beforeAll(async () => {
  env = await startTestEnv();
  await env.client.createQueue({ name: "FIRE" });
}, 20_000);

afterAll(async () => {
  await env.close();
}, 20_000);

function firing(name: string, dueAtMs: number, extra: Partial<Schedule> = {}): Firing {
  const schedule: Schedule = {
    name,
    schedule: "@every 1m",
    queue: "FIRE",
    task_type: `${name}:run`,
    payload: null,
    max_tries: 0,
    created_at: new Date().toISOString(),
    ...extra,
  };
  return { name, schedule, dueAtMs };
}

async function tasksOfType(type: string): Promise<Task[]> {
  const out: Task[] = [];
  for await (const t of env.client.listTasks()) if (t.type === type) out.push(t);
  return out;
}

test("the firing id is a valid task id (a ULID of the due time), the same for the same name and due time", () => {
  const due = Date.UTC(2026, 11, 4, 21, 0, 0);
  const id = firingTaskId("nightly", due);
  expect(id).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
  expect(isValidName(id)).toBe(true);
  expect(decodeTime(id)).toBe(due);
  expect(firingTaskId("nightly", due)).toBe(id);
  expect(firingTaskId("nightly", due + 60_000)).not.toBe(id);
  expect(firingTaskId("nightly2", due)).not.toBe(id);
  // Names that would collide if joined naively do not.
  expect(firingTaskId("a1", 23)).not.toBe(firingTaskId("a", 123));
});

test("two schedulers firing one due time at once make one task and one work item", async () => {
  const other = await env.connect();
  const f = firing("both", Date.now());
  const outcomes = await Promise.all([
    fireOnce(env.client, f, Date.now()),
    fireOnce(other, f, Date.now()),
    fireOnce(env.client, f, Date.now()),
  ]);
  const created = outcomes.filter((o) => "created" in o);
  expect(created).toHaveLength(1);
  expect(outcomes.filter((o) => "alreadyFired" in o)).toHaveLength(2);
  const tasks = await tasksOfType("both:run");
  expect(tasks.map((t) => t.id)).toEqual([firingTaskId("both", f.dueAtMs)]);
  expect(tasks[0]).toMatchObject({ state: "new", queue: "FIRE", tries: 0 });
  expect((await env.client.queueInfo("FIRE")).entries).toBe(1);
  await env.client.purgeQueue("FIRE");
}, 20_000);

test("a second firing of a due time whose task already ran is skipped, not run again", async () => {
  const f = firing("late", Date.now());
  expect("created" in (await fireOnce(env.client, f, Date.now()))).toBe(true);
  // The first firing's task ran to completion and its item is gone from the queue.
  await env.client.purgeQueue("FIRE");
  const task = await env.client.loadTask(firingTaskId("late", f.dueAtMs));
  task.state = "complete";
  await env.client.storage.tasks.save(task);
  // A stalled ex-leader wakes up and fires the same due time.
  expect(await fireOnce(await env.connect(), f, Date.now() + 15_000)).toEqual({ alreadyFired: task.id });
  expect((await env.client.loadTask(task.id)).state).toBe("complete");
  expect((await env.client.queueInfo("FIRE")).entries).toBe(0);
}, 20_000);

test("a firing into a missing queue stores nothing", async () => {
  const f = firing("nowhere", Date.now(), { queue: "NOWHERE" });
  await expect(fireOnce(env.client, f, Date.now())).rejects.toMatchObject({ reason: "queue_not_found" });
  expect(await tasksOfType("nowhere:run")).toEqual([]);
}, 20_000);
