/**
 * Delayed tasks (`run_at`), the parts any nats-server shows: the contract's validation, and on a
 * server older than 2.14 (Debian's 2.9.10 in CI) the refusal of a task that would have to wait,
 * through the HTTP API, the CLI and the TypeScript client, with nothing stored. The wake-ups
 * themselves need 2.14+ and are tested in test/interop/delayed.test.ts.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { AjcError } from "../../src/core/errors.ts";
import { versionAtLeast } from "../../src/store/delayed.ts";
import { ajcBinary, runAjc } from "../helpers/binary.ts";
import { type ApiEnv, expectError, startApi } from "../helpers/http.ts";

setDefaultTimeout(30_000);

let api: ApiEnv;
let old = false;
beforeAll(async () => {
  api = await startApi();
  old = !versionAtLeast(api.client.delayedTasks().server, "2.14.0");
  if (!old) console.log("delayed.test.ts: the refusal tests need a nats-server older than 2.14; skipped");
});
afterAll(() => api.close());

const inMs = (ms: number) => new Date(Date.now() + ms).toISOString();
const create = (json: unknown) => api.call("POST", "/v1/tasks", { json });

describe("run_at on POST /v1/tasks, on any server", () => {
  test("a run_at after the deadline is a 400 naming run_at, and nothing is stored", async () => {
    const before = await api.client.countTasks();
    const r = await create({ type: "t", run_at: inMs(120_000), deadline: inMs(60_000) });
    expectError(r, 400, "run_at_after_deadline", "run_at");
    expect(r.body.error.message).toContain("after the deadline");
    expect(await api.client.countTasks()).toBe(before);
  });

  test("a run_at that is not RFC 3339 is a 400 naming run_at", async () => {
    expectError(await create({ type: "t", run_at: "tomorrow" }), 400, "invalid_json", "run_at");
    expectError(await create({ type: "t", run_at: 5 }), 400, "invalid_json", "run_at");
    // An offset can put a year-9999 time past what the server's schedule can name.
    const late = await create({ type: "t", run_at: "9999-12-31T23:59:59-23:59" });
    expectError(late, 400, "invalid_argument", "run_at");
  });

  test("a run_at in the past means now: stored with it and enqueued at once", async () => {
    const runAt = inMs(-60_000);
    const r = await create({ type: "t", run_at: runAt });
    expect(r.status).toBe(201);
    expect(r.body.run_at).toBe(runAt);
    expect(r.body.state).toBe("new");
    expect(await api.client.storage.queues.itemSequence("EMAIL", r.body.id)).toBeGreaterThan(0);
    const got = await api.call("GET", `/v1/tasks/${r.body.id}`);
    expect(got.body.run_at).toBe(runAt);
  });

  test("ajc task add refuses a bad --run-at, a negative --delay, and both at once", async () => {
    ajcBinary();
    const env = { NATS_URL: api.nats.url };
    const add = (...flags: string[]) => runAjc(["task", "add", "t", "{}", "-q", "EMAIL", ...flags], { env });
    const bad = await add("--run-at", "tomorrow");
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("--run-at must be an RFC 3339 time");
    const negative = await add("--delay=-1s");
    expect(negative.code).toBe(1);
    expect(negative.stderr).toContain("--delay must not be negative");
    // A usage error: exit status 2.
    const both = await add("--delay", "1m", "--run-at", inMs(60_000));
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/mutually exclusive/i);
  });

  test("GET /v1/tasks?waiting= takes true or false only", async () => {
    expectError(await api.call("GET", "/v1/tasks?waiting=yes"), 400, "invalid_argument", "waiting");
    const past = await create({ type: "past-waiting", run_at: inMs(-1000) });
    const notWaiting = await api.call("GET", "/v1/tasks?waiting=false&type=past-waiting");
    expect(notWaiting.body.tasks.map((t: { id: string }) => t.id)).toEqual([past.body.id]);
    const waiting = await api.call("GET", "/v1/tasks?waiting=true&type=past-waiting");
    expect(waiting.body.tasks).toEqual([]);
  });
});

describe("on a nats-server older than 2.14", () => {
  test("/v1/info says delayed tasks are unavailable", async () => {
    if (!old) return;
    const r = await api.call("GET", "/v1/info");
    expect(r.body.delayed_tasks).toBe(false);
  });

  test("the HTTP API refuses a future run_at with a 400 naming 2.14, and stores nothing", async () => {
    if (!old) return;
    const before = await api.client.countTasks();
    const r = await create({ type: "t", run_at: inMs(60_000) });
    expectError(r, 400, "delayed_tasks_unavailable", "run_at");
    expect(r.body.error.message).toContain("nats-server 2.14.0 or newer");
    expect(r.body.error.message).toContain(api.client.delayedTasks().server);
    expect(await api.client.countTasks()).toBe(before);
  });

  test("the TypeScript client refuses it before storing anything", async () => {
    if (!old) return;
    const task = api.client.newTask("t", null, { runAt: new Date(Date.now() + 60_000) });
    const err = await api.client.enqueue(task, "EMAIL").catch((e) => e);
    expect(err).toBeInstanceOf(AjcError);
    expect((err as AjcError).reason).toBe("delayed_tasks_unavailable");
    expect(await api.client.loadTask(task.id).catch((e) => (e as AjcError).reason)).toBe("task_not_found");
  });

  test("ajc task add --delay and --run-at are refused with the version needed", async () => {
    if (!old) return;
    ajcBinary();
    const env = { NATS_URL: api.nats.url };
    const before = await api.client.countTasks();
    for (const flags of [
      ["--delay", "1m"],
      ["--run-at", inMs(60_000)],
    ]) {
      const r = await runAjc(["task", "add", "t", "{}", "-q", "EMAIL", ...flags], { env });
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain("nats-server 2.14.0 or newer");
    }
    expect(await api.client.countTasks()).toBe(before);
    const info = await runAjc(["info"], { env });
    expect(info.stdout).toMatch(/Available:\s+no \(needs nats-server 2\.14\.0 or newer\)/);
    const json = JSON.parse((await runAjc(["info", "--json"], { env })).stdout);
    expect(json.delayed_tasks).toMatchObject({ available: false, needs: "2.14.0" });
  });
});
