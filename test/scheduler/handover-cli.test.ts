/**
 * A scheduler leader paused (SIGSTOP) across due times, through the compiled binary: the standby
 * takes over and fires, the old leader resumes, and every due time made exactly one task in the
 * task store and one work item in the queue stream; each task's id is its firing's identity.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { decodeTime } from "ulid";
import type { Task } from "../../src/core/task.ts";
import { firingTaskId } from "../../src/scheduler/firing.ts";
import { type AjcProcess, ajcBinary, spawnAjc } from "../helpers/binary.ts";
import { startTestEnv, type TestEnv } from "../helpers/client.ts";

let env: TestEnv;
const procs: AjcProcess[] = [];

beforeAll(async () => {
  ajcBinary();
  env = await startTestEnv();
  await env.client.createQueue({ name: "HANDOVER" });
}, 30_000);

afterAll(async () => {
  for (const p of procs) {
    p.proc.kill("SIGCONT");
    await p.stop("SIGKILL");
  }
  await env.close();
}, 20_000);

function scheduler(name: string): AjcProcess {
  const p = spawnAjc(["task", "cron", "scheduler", name, "--rescue-every", "0"], {
    env: { NATS_URL: env.nats.url },
  });
  procs.push(p);
  return p;
}

async function beats(): Promise<Task[]> {
  const out: Task[] = [];
  for await (const t of env.client.listTasks()) if (t.type === "beat:run") out.push(t);
  return out;
}

const created = (p: AjcProcess) => (p.output().match(/schedule beat created task /g) ?? []).length;

async function until(what: string, cond: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs}ms waiting for ${what}`);
    await Bun.sleep(50);
  }
}

test("a leader paused across due times: one task and one work item per due time", async () => {
  const a = scheduler("hand-a");
  await a.waitFor("hand-a is now the leader", 20_000);
  const b = scheduler("hand-b");
  await b.waitFor("starting leader election");
  await env.client.createSchedule({
    name: "beat",
    schedule: "@every 1s",
    queue: "HANDOVER",
    task_type: "beat:run",
    payload: null,
    max_tries: 0,
    created_at: new Date().toISOString(),
  });
  await b.waitFor("added schedule beat");
  await until("the leader to fire twice", () => created(a) >= 2, 10_000);

  // Paused mid-term: it stops refreshing and stops firing; the standby takes over after the TTL.
  a.proc.kill("SIGSTOP");
  await b.waitFor("hand-b is now the leader", 25_000);
  await until("the new leader to fire twice", () => created(b) >= 2, 10_000);
  a.proc.kill("SIGCONT");
  // Resumed, its lease long gone: it notices it lost the key and fires nothing more.
  await a.waitFor("hand-a is no longer the leader", 15_000);
  const firedByA = created(a);
  await until("two more firings by the new leader", () => created(b) >= 4, 10_000);
  expect(created(a)).toBe(firedByA);
  await env.client.deleteSchedule("beat");
  await until("the schedule's removal", () => b.output().includes("removed schedule beat"), 5_000);
  // Every "created" line is one of the stored tasks: nothing was created twice, or overwritten (a
  // firing under way when the schedule went may log a moment after its task is stored).
  let tasks: Task[] = [];
  await until(
    "each stored task to be logged once",
    async () => {
      tasks = await beats();
      return created(a) + created(b) === tasks.length;
    },
    5_000,
  );

  const dueTimes = tasks.map((t) => decodeTime(t.id));
  // Each task is the firing of one due time, on whole seconds, and no due time made two.
  for (const t of tasks) expect(t.id).toBe(firingTaskId("beat", decodeTime(t.id)));
  for (const due of dueTimes) expect(due % 1000).toBe(0);
  expect(new Set(dueTimes).size).toBe(tasks.length);
  // One work item per task (no worker runs): the queue stream holds exactly these.
  expect((await env.client.queueInfo("HANDOVER")).entries).toBe(tasks.length);
  for (const t of tasks) expect(await env.client.storage.queues.hasItem("HANDOVER", t.id)).toBe(true);
  expect(a.output()).not.toContain("could not create a task");
  expect(b.output()).not.toContain("could not create a task");
}, 90_000);
