/** `ajc task process` as users run it: the compiled binary against a private NATS server. */
import { afterAll, afterEach, beforeAll, expect, test } from "bun:test";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { headers } from "@nats-io/nats-core";
import { timeMs } from "../../src/core/time.ts";
import { type AjcProcess, ajcBinary, jsonLogLines, runAjc, spawnAjc } from "../helpers/binary.ts";
import { startTestEnv, type TestEnv } from "../helpers/client.ts";
import { freePort } from "../helpers/nats.ts";
import { jsonPayload, waitForTask } from "./harness.ts";

let env: TestEnv;
let dir: string;
let natsEnv: Record<string, string>;
const running: AjcProcess[] = [];

beforeAll(async () => {
  ajcBinary();
  env = await startTestEnv();
  dir = mkdtempSync(join(tmpdir(), "ajc-process-"));
  natsEnv = { NATS_URL: env.nats.url };
});
afterEach(async () => {
  for (const p of running.splice(0)) await p.stop("SIGKILL");
});
afterAll(async () => {
  await env.close();
  rmSync(dir, { recursive: true, force: true });
});

function script(name: string, body: string): string {
  const p = join(dir, name);
  writeFileSync(p, `#!/bin/sh\n${body}\n`);
  chmodSync(p, 0o755);
  return p;
}

function worker(args: string[], extraEnv: Record<string, string> = {}): AjcProcess {
  const p = spawnAjc(["task", "process", ...args], { env: { ...natsEnv, ...extraEnv } });
  running.push(p);
  return p;
}

test("AJC_LOG_FORMAT=json: the shared logger's lines, a task's outcome as fields", async () => {
  const c = env.client;
  await c.createQueue({ name: "JSONLOG", max_runtime: "30s" });
  const cmd = script("ok.sh", "echo ok");
  const w = worker(["jl", "JSONLOG", "1", cmd], { AJC_LOG_FORMAT: "json" });
  await w.waitFor('"msg":"Processing task type jl from queue JSONLOG');
  const task = await c.enqueue(c.newTask("jl", null), "JSONLOG");
  await waitForTask(c, task.id, "complete");
  await w.waitFor(`"task_id":"${task.id}"`);
  expect(await w.stop("SIGTERM")).toBe(0);
  const lines = jsonLogLines(w.output());
  expect(lines.find((l) => l.task_id === task.id)).toMatchObject({
    level: "info",
    msg: "task",
    type: "jl",
    state: "complete",
    tries: 1,
  });
  expect(lines.at(-1)).toMatchObject({ level: "info", msg: "Stopped" });
});

test("runs the command for each task, logs outcomes without payloads, stops on SIGTERM", async () => {
  const c = env.client;
  await c.createQueue({ name: "EMAIL", max_runtime: "30s" });
  const cmd = script("send.sh", 'echo "sent $(wc -c < "$CHORIA_AJ_TASK") bytes"');
  const w = worker(["email", "EMAIL", "2", cmd]);
  await w.waitFor("Processing task type email from queue EMAIL");
  const task = await c.enqueue(c.newTask("email:new", jsonPayload({ secret: "hunter2" })), "EMAIL");
  const done = await waitForTask(c, task.id, "complete");
  expect(String(done.result?.payload)).toMatch(/^sent \d+ bytes\n$/);
  await w.waitFor(`task ${task.id} type=email:new state=complete tries=1`);
  expect(await w.stop("SIGTERM")).toBe(0);
  expect(w.output()).toMatch(/^INFO\[\d{4}\] Stopped$/m);
  // The text style of every long-running command: the shared logger's, line for line.
  for (const line of w.output().trimEnd().split("\n")) expect(line).toMatch(/^(INFO|WARN|ERRO)\[\d{4}\] /);
  expect(w.output()).toMatch(
    new RegExp(`^INFO\\[\\d{4}\\] task ${task.id} type=email:new state=complete tries=1$`, "m"),
  );
  expect(w.output()).not.toContain("hunter2");
  expect(w.output()).not.toContain(Buffer.from('{"secret":"hunter2"}').toString("base64"));
});

test("a worker killed mid-task: another completes the task after the queue's run time", async () => {
  const c = env.client;
  await c.createQueue({ name: "CRASH", max_runtime: "2s" });
  const slow = script("slow.sh", "sleep 4; echo slow");
  const fast = script("fast.sh", "echo fast");
  const a = worker(["job", "CRASH", "1", slow]);
  await a.waitFor("Processing");
  const task = await c.enqueue(c.newTask("job", null), "CRASH");
  const active = await waitForTask(c, task.id, "active");
  a.proc.kill("SIGKILL");
  await a.proc.exited;
  const b = worker(["job", "CRASH", "1", fast]);
  await b.waitFor("Processing");
  const done = await waitForTask(c, task.id, "complete", 15_000);
  // Taken over only once the first run's time was up.
  expect(timeMs(done.tried!) - timeMs(active.tried!)).toBeGreaterThanOrEqual(1990);
  expect(done.result?.payload).toBe("fast\n");
  // As in Go, `tries` is stored when a run ends: the run that died with its worker left no count.
  expect(done.tries).toBe(1);
  await b.waitFor(`task ${task.id} type=job state=complete tries=1`);
}, 30_000);

test("arguments from the environment, --remote, --discard-complete and --monitor", async () => {
  const c = env.client;
  await c.createQueue({ name: "REMOTE", max_runtime: "30s" });
  const sub = c.storage.nc.subscribe("CHORIA_AJ.H.T.rr", {
    callback: (_e, m) => {
      const t = m.json<{ id: string; type: string }>();
      const h = headers();
      if (t.type === "rr:fail") h.set("AJ-Error", "responder failed");
      m.respond(`did ${t.id}`, { headers: h });
    },
  });
  const port = await freePort();
  const w = worker(["--remote", "--discard-complete", "--backoff", "1m", "--monitor", `127.0.0.1:${port}`], {
    AJC_TYPE: "rr",
    AJC_QUEUE: "REMOTE",
    AJC_CONCURRENCY: "3",
  });
  await w.waitFor("Processing task type rr from queue REMOTE with request-reply, concurrency 3");
  const ok = await c.enqueue(c.newTask("rr:ok", null), "REMOTE");
  const fail = await c.enqueue(c.newTask("rr:fail", null), "REMOTE");
  await w.waitFor(`task ${ok.id} type=rr:ok state=complete tries=1`);
  await expect(c.loadTask(ok.id)).rejects.toMatchObject({ reason: "task_not_found" }); // discarded
  const failed = await waitForTask(c, fail.id, "retry");
  expect(failed.last_err).toBe("responder failed");
  const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  sub.unsubscribe();
  expect(metrics).toContain('choria_asyncjobs_handler_error_total{queue="REMOTE",type="rr:fail"} 1');
  expect(metrics).toContain('choria_asyncjobs_task_update_total{state="retry"} 1');
  expect(metrics).toContain('choria_asyncjobs_queue_poll_total{queue="REMOTE"}');
  expect(metrics).toContain("choria_asyncjobs_handler_busy_count 0");
  expect(await w.stop("SIGINT")).toBe(0);
});

test("refuses a missing queue, a missing command and a bad concurrency", async () => {
  const cmd = script("noop.sh", "true");
  const noQueue = await runAjc(["task", "process", "x", "NOPE", "1", cmd], { env: natsEnv });
  expect(noQueue.code).toBe(1);
  expect(noQueue.stderr).toContain('queue NOPE does not exist: create it with "ajc queue add NOPE"');
  const noCommand = await runAjc(["task", "process", "x", "NOPE", "1"], { env: natsEnv });
  expect(noCommand.stderr).toContain("give a COMMAND to run, or --remote");
  const badCommand = await runAjc(["task", "process", "x", "NOPE", "1", join(dir, "missing.sh")], {
    env: natsEnv,
  });
  expect(badCommand.stderr).toContain("is not an executable file");
  const bad = await runAjc(["task", "process", "x", "NOPE", "zero", cmd], { env: natsEnv });
  expect(bad.stderr).toContain('CONCURRENCY must be a positive integer, not "zero"');
});
