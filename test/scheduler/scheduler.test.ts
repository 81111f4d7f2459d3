/**
 * The scheduler in-process against a real NATS server: firings become tasks in the schedule's
 * queue, schedules change live, bad values are skipped, a non-leader fires nothing, and metrics.
 * The election's timings are shortened through options; the bucket's TTL is the real 10s.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { Kvm } from "@nats-io/kv";
import type { Client } from "../../src/client.ts";
import type { Schedule } from "../../src/core/schedule.ts";
import type { Task } from "../../src/core/task.ts";
import { timeMs } from "../../src/core/time.ts";
import { Scheduler } from "../../src/scheduler/scheduler.ts";
import { startTestEnv, type TestEnv } from "../helpers/client.ts";

const FAST = { maxSplayMs: 0, campaignIntervalMs: 100, confirmDelayMs: 100, refreshIntervalMs: 2_000 };
const PAYLOAD = Buffer.from('{"secret":"s3cr3t"}').toString("base64");

let env: TestEnv;
let logs: string[];
let scheduler: Scheduler;
let stop: AbortController;
let running: Promise<void>;

function startScheduler(client: Client, name: string, into: string[]) {
  const s = new Scheduler(client, {
    name,
    election: FAST,
    log: { info: (m) => into.push(`INFO ${m}`), warn: (m) => into.push(`WARN ${m}`) },
  });
  const ac = new AbortController();
  return { s, ac, running: s.run(ac.signal) };
}

beforeAll(async () => {
  env = await startTestEnv();
  await env.client.createQueue({ name: "SCHED" });
  logs = [];
  ({ s: scheduler, ac: stop, running } = startScheduler(env.client, "one", logs));
  await until("leadership", () => scheduler.isLeader(), 3_000);
}, 20_000);

afterAll(async () => {
  stop.abort();
  await running;
  await env.close();
}, 20_000);

function schedule(name: string, cron: string, extra: Partial<Schedule> = {}): Schedule {
  return {
    name,
    schedule: cron,
    queue: "SCHED",
    task_type: `${name}:run`,
    payload: null,
    max_tries: 0,
    created_at: new Date().toISOString(),
    ...extra,
  };
}

async function tasksOfType(type: string): Promise<Task[]> {
  const out: Task[] = [];
  for await (const t of env.client.listTasks()) if (t.type === type) out.push(t);
  return out;
}

async function until(what: string, cond: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const started = Date.now();
  while (!(await cond())) {
    if (Date.now() - started > timeoutMs)
      throw new Error(`timed out after ${timeoutMs}ms waiting for ${what}`);
    await Bun.sleep(25);
  }
}

test("@every 1s creates tasks in the schedule's queue with its type, payload, max tries and deadline", async () => {
  await env.client.createSchedule(
    schedule("tick", "@every 1s", { payload: PAYLOAD, max_tries: 3, deadline: 60_000_000_000 }),
  );
  await until("two ticks", async () => (await tasksOfType("tick:run")).length >= 2, 4_000);
  await env.client.deleteSchedule("tick");
  const tasks = await tasksOfType("tick:run");
  for (const t of tasks) {
    expect(t).toMatchObject({ queue: "SCHED", payload: PAYLOAD, max_tries: 3, state: "new", tries: 0 });
    expect(timeMs(t.deadline!) - timeMs(t.created)).toBeWithin(59_000, 60_001);
    expect(logs).toContain(`INFO schedule tick created task ${t.id} (tick:run) in queue SCHED`);
  }
  // On whole seconds, one apart.
  const secs = tasks.map((t) => Math.floor(timeMs(t.created) / 1000)).sort();
  expect(new Set(secs).size).toBe(secs.length);
  expect((await env.client.queueInfo("SCHED")).entries).toBeGreaterThanOrEqual(tasks.length);
  expect(logs.join("\n")).not.toContain("s3cr3t");
  expect(logs.join("\n")).not.toContain(PAYLOAD);
  expect(scheduler.metrics.scheduledCount.get({ type: "tick:run", queue: "SCHED" })).toBe(tasks.length);
}, 20_000);

test("schedules added, replaced and removed while running take effect without a restart", async () => {
  await env.client.createSchedule(schedule("live", "@every 1s"));
  await until("the added schedule to fire", async () => (await tasksOfType("live:run")).length > 0, 3_000);
  expect(scheduler.metrics.schedulesTotal.get({})).toBe(1);

  await env.client.storage.schedules.put(schedule("live", "@every 1s", { task_type: "live:replaced" }));
  await until("the replacement to fire", async () => (await tasksOfType("live:replaced")).length > 0, 3_000);
  const before = (await tasksOfType("live:run")).length;
  // Not a sleep: two more firings of the replacement, so due times of the old one went by too.
  const replaced = (await tasksOfType("live:replaced")).length;
  await until(
    "two more firings",
    async () => (await tasksOfType("live:replaced")).length >= replaced + 2,
    4_000,
  );
  expect((await tasksOfType("live:run")).length).toBe(before);
  expect(logs).toContain(
    'INFO replaced schedule live: "@every 1s" creates live:replaced tasks in queue SCHED',
  );

  // A witness on the same due times shows the scheduler went on firing after the removal.
  await env.client.createSchedule(schedule("witness", "@every 1s"));
  await until("the witness to fire", async () => (await tasksOfType("witness:run")).length > 0, 3_000);
  await env.client.deleteSchedule("live");
  await until("the removal", () => scheduler.timetable.size === 1, 2_000);
  const after = (await tasksOfType("live:replaced")).length;
  const witnessed = (await tasksOfType("witness:run")).length;
  await until(
    "two more witness firings",
    async () => (await tasksOfType("witness:run")).length >= witnessed + 2,
    4_000,
  );
  expect((await tasksOfType("live:replaced")).length).toBe(after);
  expect(logs).toContain("INFO removed schedule live");
  await env.client.deleteSchedule("witness");
  await until("the witness's removal", () => scheduler.timetable.size === 0, 2_000);
  expect(scheduler.metrics.schedulesTotal.get({})).toBe(0);
}, 20_000);

test("a corrupt value or a bad cron expression in the bucket is logged and skipped", async () => {
  const kv = await new Kvm(env.client.storage.jet.js).open("CHORIA_AJ_CONFIGURATION");
  await kv.put("scheduled_tasks.broken", "{not json");
  await env.client.storage.schedules.put(schedule("badcron", "61 * * * *"));
  // A value whose name does not match its key is keyed by the key (so deleting the key removes it).
  await kv.put("scheduled_tasks.keyed", JSON.stringify(schedule("other-name", "@every 1s")));
  await until("the warnings", () => logs.filter((l) => l.startsWith("WARN schedule")).length >= 2, 2_000);
  expect(logs.some((l) => l.startsWith("WARN schedule broken is invalid, skipped: invalid schedule"))).toBe(
    true,
  );
  expect(
    logs.some((l) =>
      l.startsWith('WARN schedule badcron is invalid, skipped: invalid schedule "61 * * * *"'),
    ),
  ).toBe(true);
  await until("the good one to fire", async () => (await tasksOfType("other-name:run")).length > 0, 3_000);
  expect(scheduler.timetable.names()).toEqual(["keyed"]);
  await kv.delete("scheduled_tasks.keyed");
  await kv.delete("scheduled_tasks.broken");
  await env.client.deleteSchedule("badcron").catch(() => {});
  await until("the removal", () => scheduler.timetable.size === 0, 2_000);
}, 20_000);

test("a firing into a missing queue is logged and counted, and the scheduler carries on", async () => {
  await env.client.createSchedule(schedule("lost", "@every 1s", { queue: "NOWHERE" }));
  const labels = { type: "lost:run", queue: "NOWHERE" };
  await until("an error", () => scheduler.metrics.scheduleErrorCount.get(labels) > 0, 3_000);
  expect(logs.some((l) => l.startsWith("WARN schedule lost could not create a task in queue NOWHERE"))).toBe(
    true,
  );
  expect(await tasksOfType("lost:run")).toEqual([]);
  await env.client.deleteSchedule("lost");
}, 20_000);

test("a second scheduler that is not the leader fires nothing; the metrics show who leads", async () => {
  const otherLogs: string[] = [];
  const other = startScheduler(await env.connect(), "two", otherLogs);
  try {
    await env.client.createSchedule(schedule("pair", "@every 1s"));
    await until("the follower to load it", () => other.s.timetable.size === 1, 2_000);
    await until("three ticks", async () => (await tasksOfType("pair:run")).length >= 3, 5_000);
    expect(other.s.isLeader()).toBe(false);
    expect(other.s.metrics.scheduledCount.get({ type: "pair:run", queue: "SCHED" })).toBe(0);
    expect(otherLogs.some((l) => l.includes("created task"))).toBe(false);
    const lead = scheduler.metrics.render();
    expect(lead).toContain("choria_asyncjobs_task_scheduler_paused 0\n");
    expect(lead).toContain('choria_asyncjobs_election_leader{election="task_scheduler",identity="one"} 1\n');
    const follow = other.s.metrics.render();
    expect(follow).toContain("choria_asyncjobs_task_scheduler_paused 1\n");
    expect(follow).toContain(
      'choria_asyncjobs_election_leader{election="task_scheduler",identity="two"} 0\n',
    );
    expect(follow).toMatch(
      /choria_asyncjobs_election_campaigns\{election="task_scheduler",identity="two",state="candidate"\} \d+/,
    );
  } finally {
    other.ac.abort();
    await other.running;
    await env.client.deleteSchedule("pair");
  }
}, 20_000);

test("a NATS outage pauses the leader at once; afterwards it leads again and the watch goes on", async () => {
  await env.nats.stop(true);
  await until("the leader to stop leading", () => !scheduler.isLeader(), 1_000);
  await until(
    "the loss to be logged",
    () => logs.some((l) => l.includes("one is no longer the leader")),
    3_000,
  );
  expect(scheduler.metrics.paused.get({})).toBe(1);
  await env.nats.start();
  await until("the reconnection", () => env.client.connected, 5_000);
  // A schedule added after the outage reaches the running watch.
  await env.client.createSchedule(schedule("after", "@every 1s"));
  await until("the new schedule", () => scheduler.timetable.names().includes("after"), 3_000);
  // Our key from before the outage has to expire (TTL 10s) before we can create it again.
  await until("leadership again", () => scheduler.isLeader(), 14_000);
  await until("a firing", async () => (await tasksOfType("after:run")).length > 0, 2_500);
  expect(logs.filter((l) => l.includes("one is now the leader"))).toHaveLength(2);
}, 30_000);
