/**
 * `ajc task rescue` and the scheduler leader's `--rescue-every`, through the compiled binary
 * against a private NATS server: a `new` task stored without a work item and an `active` one whose
 * item was acknowledged (its final save lost) are found, a dry run changes nothing, the real run
 * requeues both and a worker then completes them; a queued task is left exactly as it was.
 */
import { afterAll, afterEach, beforeAll, expect, test } from "bun:test";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Task } from "../../src/core/task.ts";
import { formatTimeMs } from "../../src/core/time.ts";
import { type AjcProcess, ajcBinary, runAjc, spawnAjc } from "../helpers/binary.ts";
import { startTestEnv, type TestEnv } from "../helpers/client.ts";

let env: TestEnv;
let natsEnv: Record<string, string>;
let dir: string;
const running: AjcProcess[] = [];

beforeAll(async () => {
  ajcBinary();
  env = await startTestEnv();
  natsEnv = { NATS_URL: env.nats.url };
  dir = mkdtempSync(join(tmpdir(), "ajc-rescue-"));
  // A short run time, so tasks left alone for a second count as stranded.
  await env.client.createQueue({ name: "RESCUE", max_runtime: "1s" });
  await env.client.createQueue({ name: "KEEP" });
}, 30_000);

afterEach(async () => {
  for (const p of running.splice(0)) await p.stop("SIGKILL");
  await env.client.purgeQueue("RESCUE");
  await env.client.purgeQueue("KEEP");
  await env.client.purgeTasks();
});

afterAll(async () => {
  await env.close();
  rmSync(dir, { recursive: true, force: true });
}, 20_000);

/** A `new` task stored without its work item, as a writer that died between the two leaves it. */
async function strandedNew(type: string): Promise<Task> {
  const t = env.client.newTask(type, null);
  t.queue = "RESCUE";
  await env.client.storage.tasks.save(t);
  return t;
}

/**
 * An `active` task whose work item was acknowledged but whose final save never happened: enqueued
 * normally, its item taken from the WORKERS consumer and acked, the task stored active.
 */
async function strandedActive(type: string): Promise<Task> {
  const t = await env.client.enqueue(env.client.newTask(type, null), "RESCUE");
  const consumer = await env.client.storage.jet.js.consumers.get("CHORIA_AJ_Q_RESCUE", "WORKERS");
  const m = await consumer.next({ expires: 5_000 });
  if (!m) throw new Error("no work item to take");
  expect(m.json<{ job: string }>().job).toBe(t.id);
  await m.ackAck();
  const active = await env.client.loadTask(t.id);
  active.state = "active";
  active.tries = 1;
  active.tried = formatTimeMs(Date.now());
  await env.client.storage.tasks.save(active);
  return active;
}

const hasItem = (queue: string, id: string) => env.client.storage.queues.hasItem(queue, id);

interface JsonReport {
  dryRun: boolean;
  checked: number;
  requeued: number;
  marked: number;
  left: number;
  failed: number;
  entries: { id: string; state: string; action: string; to?: string; reason: string }[];
}

async function rescue(...args: string[]) {
  return runAjc(["task", "rescue", ...args], { env: natsEnv });
}

async function until(what: string, cond: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs}ms waiting for ${what}`);
    await Bun.sleep(100);
  }
}

test("ajc task rescue: a dry run first, then both stranded tasks requeued and completed; a queued task left alone", async () => {
  const lost = await strandedNew("lost:new");
  const acked = await strandedActive("acked:active");
  const healthy = await env.client.enqueue(env.client.newTask("healthy:new", null), "KEEP");
  const healthyBefore = await env.client.storage.tasks.loadStored(healthy.id);

  // Once both are older than the queue's 1s run time, the dry run names them.
  let dry: JsonReport | undefined;
  await until("the dry run to find both", async () => {
    const r = await rescue("--dry-run", "--json");
    expect(r.code).toBe(0);
    dry = JSON.parse(r.stdout) as JsonReport;
    return dry.requeued === 2;
  });
  expect(dry).toMatchObject({ dryRun: true, checked: 3, requeued: 2, marked: 0, left: 1, failed: 0 });
  expect(dry!.entries.map((e) => [e.id, e.state, e.action, e.to]).sort()).toEqual(
    [
      [lost.id, "new", "requeued", "new"],
      [acked.id, "active", "requeued", "retry"],
    ].sort(),
  );
  // The dry run changed nothing.
  expect((await env.client.loadTask(lost.id)).state).toBe("new");
  expect((await env.client.loadTask(acked.id)).state).toBe("active");
  expect(await hasItem("RESCUE", lost.id)).toBe(false);
  expect(await hasItem("RESCUE", acked.id)).toBe(false);

  const text = await rescue("--dry-run");
  expect(text.stdout).toContain(`Would requeue task ${lost.id} (new) in queue RESCUE: rescued: no work item`);
  expect(text.stdout).toContain(`Would requeue task ${acked.id} (active -> retry) in queue RESCUE`);
  expect(text.stdout).toContain(
    "Dry run: checked 3 unfinished tasks: 2 would requeue, 0 would mark queue_error, 1 left alone, 0 stuck, 0 failed",
  );

  const real = await rescue();
  expect(real.code).toBe(0);
  expect(real.stdout).toContain(`Requeued task ${lost.id} (new) in queue RESCUE`);
  expect(real.stdout).toContain(`Requeued task ${acked.id} (active -> retry) in queue RESCUE`);
  expect(real.stdout).toContain(
    "checked 3 unfinished tasks: 2 requeued, 0 marked queue_error, 1 left alone, 0 stuck, 0 failed",
  );
  expect(real.stdout).not.toContain(healthy.id);
  expect(await hasItem("RESCUE", lost.id)).toBe(true);
  expect(await hasItem("RESCUE", acked.id)).toBe(true);
  expect((await env.client.queueInfo("RESCUE")).entries).toBe(2);
  const retried = await env.client.loadTask(acked.id);
  expect(retried.state).toBe("retry");
  expect(retried.last_err).toStartWith("rescued: it was active with no work item");
  // The queued task was not saved again and keeps its one item.
  const healthyAfter = await env.client.storage.tasks.loadStored(healthy.id);
  expect(healthyAfter.savedAtMs).toBe(healthyBefore.savedAtMs);
  expect((await env.client.queueInfo("KEEP")).entries).toBe(1);

  // A worker now completes both: nothing is stranded any more.
  const cmd = join(dir, "ok.sh");
  writeFileSync(cmd, "#!/bin/sh\necho done\n");
  chmodSync(cmd, 0o755);
  const w = spawnAjc(["task", "process", "", "RESCUE", "2", cmd], { env: natsEnv });
  running.push(w);
  await until("both to complete", async () => {
    const states = await Promise.all(
      [lost.id, acked.id].map(async (id) => (await env.client.loadTask(id)).state),
    );
    return states.every((s) => s === "complete");
  });
  expect((await env.client.loadTask(lost.id)).tries).toBe(1);
  expect((await env.client.loadTask(acked.id)).tries).toBe(2);
  await until("the queue to empty", async () => (await env.client.queueInfo("RESCUE")).entries === 0);
  const after = await rescue("--json");
  expect(JSON.parse(after.stdout)).toMatchObject({ checked: 1, requeued: 0, left: 1, failed: 0 });
}, 60_000);

test("ajc task rescue marks a task whose queue is gone, and --verbose says why the others were left", async () => {
  const orphan = env.client.newTask("orphan:new", null);
  orphan.queue = "DELETED";
  await env.client.storage.tasks.save(orphan);
  const healthy = await env.client.enqueue(env.client.newTask("healthy:new", null), "KEEP");
  const r = await rescue("--verbose");
  expect(r.code).toBe(0);
  expect(r.stdout).toContain(
    `Marked task ${orphan.id} (new -> queue_error) in queue DELETED: rescued: queue DELETED does not exist`,
  );
  expect(r.stdout).toContain(`Left task ${healthy.id} (new) in queue KEEP: its work item is in the queue`);
  expect(r.stdout).toContain("1 marked queue_error, 1 left alone, 0 stuck, 0 failed");
  const o = await env.client.loadTask(orphan.id);
  expect(o.state).toBe("queue_error");
  expect(o.last_err).toBe("rescued: queue DELETED does not exist, so no work item can deliver this task");
}, 30_000);

test("the scheduler's leader runs the rescuer every --rescue-every", async () => {
  const lost = await strandedNew("sched:new");
  const s = spawnAjc(["task", "cron", "scheduler", "rescuer-1", "--rescue-every", "1s"], { env: natsEnv });
  running.push(s);
  await s.waitFor("the leader looks for stranded tasks every 1s");
  await s.waitFor(`rescuer: Requeued task ${lost.id} (new) in queue RESCUE`, 30_000);
  await s.waitFor("rescuer: checked 1 unfinished tasks: 1 requeued", 5_000);
  expect(await hasItem("RESCUE", lost.id)).toBe(true);
  expect((await env.client.loadTask(lost.id)).last_err).toStartWith("rescued:");
  expect(await s.stop("SIGTERM")).toBe(0);
}, 60_000);

test("usage: --rescue-every must be a duration", async () => {
  const r = await runAjc(["task", "cron", "scheduler", "x", "--rescue-every", "soon"], { env: natsEnv });
  expect(r.code).not.toBe(0);
  expect(r.stderr).toContain("rescue-every");
}, 30_000);
