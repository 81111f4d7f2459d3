/**
 * Delayed tasks (`run_at`) on nats-server message schedules, end to end from the compiled `ajc`:
 * tasks created through the HTTP API, `ajc task add --delay/--run-at` and the TypeScript client
 * are stored at once, nothing enters their queue early, and a worker, `ajc task process` or the
 * Go asyncjobs v0.3.0 worker on the same queue's `WORKERS` consumer, starts each no earlier than
 * its run_at and within a second after (measured from the task's `tried`, with a margin for a
 * loaded machine). Deleting or retrying a waiting task leaves no wake-up behind; the rescuer finds
 * a lost one. Needs nats-server 2.14+: on an older one the file skips with one line (its refusal
 * is test/http/delayed.test.ts), unless AJC_REQUIRE_DELAYED=1 (the interop run's releases).
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Task } from "../../src/core/task.ts";
import { timeMs } from "../../src/core/time.ts";
import { rescueTasks } from "../../src/scheduler/rescuer.ts";
import {
  DELAYED_STREAM,
  delayedDefinitionSubject,
  queueStream,
  WORKERS_CONSUMER,
} from "../../src/store/subjects.ts";
import { type ApiEnv, startApi } from "../helpers/http.ts";
import { type RawNats, rawNats } from "../helpers/raw.ts";
import { describeInterop } from "./go-tools.ts";
import { enqueuedId, type Interop, startInterop } from "./harness.ts";

setDefaultTimeout(90_000);

/** "Within a second after run_at", plus room for a shared, loaded test machine. */
const LATE_MS = 1_000;
const MARGIN_MS = 1_500;
/** How far ahead the tasks are delayed: enough to check that nothing is in the queue before. */
const AHEAD_MS = 4_000;

const done = (t: Task) => t.state === "complete";
const inMs = (ms: number) => new Date(Date.now() + ms).toISOString();

describeInterop("delayed tasks on message schedules (nats-server 2.14+)", () => {
  let w: Interop;
  let api: ApiEnv;
  let raw: RawNats;
  let available = false;
  let dir: string;
  const runsFile = () => join(dir, "runs");

  beforeAll(async () => {
    w = await startInterop();
    available = w.client.delayedTasks().available;
    if (!available) {
      const msg = `needs nats-server 2.14+, this one is ${w.client.delayedTasks().server}`;
      if (process.env.AJC_REQUIRE_DELAYED === "1")
        throw new Error(`AJC_REQUIRE_DELAYED=1: delayed tasks ${msg}`);
      console.log(`delayed-task interop tests skipped: ${msg}`);
      return;
    }
    dir = mkdtempSync(join(tmpdir(), "ajc-delayed-"));
    raw = await rawNats(w.nats.url);
    for (const name of ["DQ", "GQ", "DEL", "RQ"]) await w.client.createQueue({ name });
    api = await startApi({ nats: w.nats, server: { queue: "DQ" } });
    // Our compiled worker on DQ: each run appends the task's id to a file.
    // (The command gets no PATH: shell builtins only.)
    const handler = w.script(
      `IFS= read -r line < "$CHORIA_AJ_TASK"; id=\${line#*'"id":"'}; printf '%s\\n' "\${id%%'"'*}" >> ${runsFile()}; printf ok`,
    );
    appendFileSync(runsFile(), "");
    const ours = w.spawnAjc(["task", "process", "", "DQ", "4", handler, "--backoff", "1m"]);
    void ours;
    const goWorker = w.spawnGo("helper", ["worker", w.nats.url, "GQ", "d:go", "--concurrency", "4"]);
    await goWorker.waitFor('"ready":true');
  });
  afterAll(async () => {
    await raw?.close();
    await api?.close();
    await w?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** Items in a queue's stream right now (none may be there before a task is due). */
  const items = async (queue: string) => (await raw.jsm.streams.info(queueStream(queue))).state.messages;
  const delivered = async (queue: string) =>
    (await raw.jsm.consumers.info(queueStream(queue), WORKERS_CONSUMER)).delivered.consumer_seq;
  const runsOf = (id: string) =>
    readFileSync(runsFile(), "utf8")
      .split("\n")
      .filter((l) => l === id).length;

  /** Creates the same kind of delayed task through the API, both CLI flags and the TS client. */
  async function createEveryWay(queue: string, type: string): Promise<string[]> {
    const ids: string[] = [];
    const r = await api.call("POST", "/v1/tasks", { json: { type, queue, run_at: inMs(AHEAD_MS) } });
    expect(r.status).toBe(201);
    ids.push(r.body.id);
    const delay = await w.ajc("task", "add", type, "{}", "-q", queue, "--delay", `${AHEAD_MS}ms`);
    expect(delay.stdout).toContain(" to run at ");
    ids.push(enqueuedId(delay));
    ids.push(enqueuedId(await w.ajc("task", "add", type, "{}", "-q", queue, "--run-at", inMs(AHEAD_MS))));
    const t = w.client.newTask(type, null, { runAt: new Date(Date.now() + AHEAD_MS) });
    await w.client.enqueue(t, queue);
    ids.push(t.id);
    return ids;
  }

  /** Checks each task ran no earlier than its run_at and within a second after; returns the lateness. */
  function lateness(tasks: Task[], label: string): number[] {
    const late = tasks.map((t) => {
      expect(t.tried).toBeDefined();
      return timeMs(t.tried!) - timeMs(t.run_at ?? "");
    });
    console.log(`${label}: started ${late.map((ms) => `${ms} ms`).join(", ")} after run_at`);
    for (const ms of late) {
      expect(ms).toBeGreaterThanOrEqual(0);
      expect(ms).toBeLessThan(LATE_MS + MARGIN_MS);
    }
    return late;
  }

  test("API, CLI and TS client tasks wait, stored and listed, then `ajc task process` starts each on time", async () => {
    if (!available) return;
    const ids = await createEveryWay("DQ", "d:ours");
    for (const id of ids) {
      const got = await api.call("GET", `/v1/tasks/${id}`);
      expect(got.body.state).toBe("new");
      expect(timeMs(got.body.run_at)).toBeGreaterThan(Date.now());
      expect(await w.client.storage.delayed.pending(id)).toBe(true);
    }
    const waiting = await api.call("GET", "/v1/tasks?waiting=true&queue=DQ");
    expect(waiting.body.tasks.map((t: Task) => t.id).sort()).toEqual([...ids].sort());
    expect(await items("DQ")).toBe(0);

    const finished = await Promise.all(ids.map((id) => w.waitTask(id, done, 30_000)));
    // A Go-compatible save keeps run_at: ours knows the field.
    for (const t of finished) expect(t.run_at).toBeDefined();
    lateness(finished, "ajc task process");
    for (const id of ids) expect(runsOf(id)).toBe(1);
    const after = await api.call("GET", "/v1/tasks?waiting=true&queue=DQ");
    expect(after.body.tasks).toEqual([]);
  });

  test("the Go v0.3.0 worker on the same queue's WORKERS consumer gets each item only once due, and completes it", async () => {
    if (!available) return;
    const before = await delivered("GQ");
    const ids = await createEveryWay("GQ", "d:go");
    await Bun.sleep(AHEAD_MS / 2);
    // Nothing for the Go worker yet: no item in the queue, nothing delivered to WORKERS.
    expect(await items("GQ")).toBe(0);
    expect(await delivered("GQ")).toBe(before);
    const runAts = new Map<string, string | undefined>();
    for (const id of ids) {
      const t = await w.client.loadTask(id);
      expect(t.state).toBe("new");
      runAts.set(id, t.run_at);
    }

    const finished = await Promise.all(ids.map((id) => w.waitTask(id, done, 30_000)));
    // The Go Task has no run_at, so the Go worker's save drops it: the lateness is measured
    // against the run_at each was stored with.
    for (const t of finished) expect(t.run_at).toBeUndefined();
    lateness(
      finished.map((t) => ({ ...t, run_at: runAts.get(t.id) })),
      "Go v0.3.0 worker",
    );
    expect(await delivered("GQ")).toBe(before + ids.length);
  });

  test("a deleted waiting task leaves no wake-up: nothing enters its queue at run_at", async () => {
    if (!available) return;
    const r = await api.call("POST", "/v1/tasks", {
      json: { type: "d:del", queue: "DEL", run_at: inMs(1_500) },
    });
    expect(await w.client.storage.delayed.pending(r.body.id)).toBe(true);
    expect((await api.call("DELETE", `/v1/tasks/${r.body.id}`)).status).toBe(204);
    expect(await w.client.storage.delayed.pending(r.body.id)).toBe(false);
    await Bun.sleep(1_500 + LATE_MS + MARGIN_MS);
    expect(await items("DEL")).toBe(0);
  });

  test("a retried waiting task runs now, once: its wake-up is gone", async () => {
    if (!available) return;
    const runAt = inMs(AHEAD_MS);
    const r = await api.call("POST", "/v1/tasks", { json: { type: "d:retry", queue: "DQ", run_at: runAt } });
    const retried = await api.call("POST", `/v1/tasks/${r.body.id}/retry`);
    expect(retried.status).toBe(200);
    expect(retried.body.run_at).toBeUndefined();
    expect(await w.client.storage.delayed.pending(r.body.id)).toBe(false);
    const t = await w.waitTask(r.body.id, done, 30_000);
    expect(timeMs(t.tried!)).toBeLessThan(timeMs(runAt));
    await Bun.sleep(Math.max(0, timeMs(runAt) - Date.now()) + LATE_MS + MARGIN_MS);
    expect(runsOf(r.body.id)).toBe(1);
    expect((await w.client.loadTask(r.body.id)).tries).toBe(1);
  });

  test("the rescuer schedules a lost wake-up again, and gives a past-due one its item", async () => {
    if (!available) return;
    const later = w.client.newTask("d:go", null, { runAt: new Date(Date.now() + AHEAD_MS) });
    const soon = w.client.newTask("d:go", null, { runAt: new Date(Date.now() + 1_000) });
    await w.client.enqueue(later, "RQ");
    await w.client.enqueue(soon, "RQ");
    // Lose both wake-ups, as an operator's purge would.
    for (const t of [later, soon]) {
      await raw.jsm.streams.purge(DELAYED_STREAM, { filter: delayedDefinitionSubject(t.id) });
    }
    await Bun.sleep(Math.max(0, timeMs(soon.run_at!) - Date.now()) + 200);
    const dry = await w.ajc("task", "rescue", "--dry-run");
    expect(dry.stdout).toContain(`Would requeue task ${later.id}`);
    const report = await rescueTasks(w.client, { delayedGraceMs: 0 });
    const entry = (id: string) => report.entries.find((e) => e.id === id);
    expect(entry(later.id)).toMatchObject({ action: "requeued", to: "new" });
    expect(entry(later.id)?.reason).toContain("wake-up");
    expect(entry(soon.id)).toMatchObject({ action: "requeued", to: "new" });
    expect(await w.client.storage.delayed.pending(later.id)).toBe(true);
    expect(await w.client.storage.queues.itemSequence("RQ", soon.id)).toBeGreaterThan(0);
    expect(await items("RQ")).toBe(1);

    // A Go worker takes the queue: the past-due task runs now, the other at its run_at.
    const goWorker = w.spawnGo("helper", ["worker", w.nats.url, "RQ", "d:go", "--concurrency", "2"]);
    await goWorker.waitFor('"ready":true');
    await w.waitTask(soon.id, done, 30_000);
    const t = await w.waitTask(later.id, done, 30_000);
    const late = timeMs(t.tried!) - timeMs(later.run_at!);
    console.log(`rescued wake-up: started ${late} ms after run_at`);
    expect(late).toBeGreaterThanOrEqual(0);
    expect(late).toBeLessThan(LATE_MS + MARGIN_MS);
  });

  test("fired wake-ups are removed once old, and waiting ones are kept", async () => {
    if (!available) return;
    const waiting = w.client.newTask("d:go", null, { runAt: new Date(Date.now() + 600_000) });
    await w.client.enqueue(waiting, "RQ");
    const fired = async () => {
      const si = await raw.jsm.streams.info(DELAYED_STREAM, { subjects_filter: "AJC_DELAYED.T.>" });
      return Object.keys(si.state.subjects ?? {}).length;
    };
    const before = await fired();
    expect(before).toBeGreaterThan(0);
    expect(await w.client.storage.delayed.removeFired(0)).toBe(before);
    expect(await fired()).toBe(0);
    expect(await w.client.storage.delayed.pending(waiting.id)).toBe(true);
  });

  test("purging the task store removes the wake-ups of the waiting tasks", async () => {
    if (!available) return;
    const t = w.client.newTask("d:go", null, { runAt: new Date(Date.now() + 600_000) });
    await w.client.enqueue(t, "RQ");
    expect(await w.client.storage.delayed.pending(t.id)).toBe(true);
    expect((await w.ajc("task", "purge", "--force")).code).toBe(0);
    expect(await w.client.storage.delayed.pending(t.id)).toBe(false);
  });
});
