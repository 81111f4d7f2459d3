/**
 * No task left stranded: each path that used to leave a task in a state nothing would move it out
 * of, against the compiled binary (`ajc task process`, `ajc server run`) and a real nats-server.
 * Every case asserts the stored task and the queue stream, not the log.
 */
import { afterAll, afterEach, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "../../src/client.ts";
import { signingKey, signTask } from "../../src/core/signing.ts";
import type { Task } from "../../src/core/task.ts";
import { type AjcProcess, ajcBinary, spawnAjc } from "../helpers/binary.ts";
import { freePort, type NatsServer, startNats } from "../helpers/nats.ts";
import { until } from "../helpers/reliability.ts";

// RFC 8032, section 7.1, tests 1 and 2: a seed, and the public key of another one.
const SEED = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
const OTHER_PUBLIC = "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c";

// Waits on NATS restarts and run times: well over the runner's default.
setDefaultTimeout(120_000);

let nats: NatsServer;
let client: Client;
let dir: string;
let env: Record<string, string>;
let procs: AjcProcess[] = [];
let queueSeq = 0;

beforeAll(async () => {
  ajcBinary();
  nats = await startNats();
  client = await Client.connect({ connection: { servers: nats.url } });
  dir = mkdtempSync(join(tmpdir(), "ajc-stranded-"));
  env = { NATS_URL: nats.url };
});
afterEach(async () => {
  for (const p of procs) await p.stop("SIGKILL");
  procs = [];
});
afterAll(async () => {
  await client?.close();
  await nats?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A fresh queue for one test. */
async function queue(runTime = "10s", extra: Record<string, unknown> = {}): Promise<string> {
  const name = `Q${++queueSeq}`;
  await client.createQueue({ name, max_runtime: runTime, ...extra });
  return name;
}

/** A shell handler with `body` after the usual preamble (`$id` set, a journal line per run). */
function handler(name: string, body: string): string {
  const path = join(dir, `${name}.sh`);
  writeFileSync(
    path,
    `#!/bin/sh
id=$(sed -n 's/.*"id":"\\([^"]*\\)".*/\\1/p' "$CHORIA_AJ_TASK")
echo "run $id" >> ${join(dir, `${name}.journal`)}
${body}
`,
  );
  chmodSync(path, 0o755);
  return path;
}

/** How many times the handler `name` ran for task `id`. */
function runs(name: string, id: string): number {
  const path = join(dir, `${name}.journal`);
  if (!existsSync(path)) return 0;
  return readFileSync(path, "utf8")
    .split("\n")
    .filter((l) => l === `run ${id}`).length;
}

function worker(q: string, command: string, flags: string[] = []): AjcProcess {
  const p = spawnAjc(["task", "process", "", q, "2", command, ...flags], { env });
  procs.push(p);
  return p;
}

async function enqueue(q: string, type = "job", opts: Parameters<Client["newTask"]>[2] = {}): Promise<Task> {
  return client.enqueue(client.newTask(type, null, opts), q);
}

async function stateOf(id: string, state: string, timeoutMs = 20_000): Promise<Task> {
  await until(`task ${id} ${state}`, async () => (await client.loadTask(id)).state === state, timeoutMs);
  return client.loadTask(id);
}

async function queueEmpty(q: string): Promise<void> {
  await until(`queue ${q} empty`, async () => (await client.queueInfo(q)).entries === 0);
}

test("a result over NATS max_payload: the command's output is cut to --max-output and the task completes", async () => {
  const q = await queue();
  const cmd = handler("big", "head -c 2000000 /dev/zero | tr '\\0' x");
  const w = worker(q, cmd);
  await w.waitFor("Processing");
  const t = await enqueue(q);
  const done = await stateOf(t.id, "complete");
  const out = done.result?.payload as string;
  expect(out.startsWith("xxxx")).toBe(true);
  expect(out).toContain("output truncated: 2000000 bytes written, the first 262144 kept");
  expect(out.length).toBeLessThan(262144 + 200);
  expect(done.tries).toBe(1);
  await queueEmpty(q);
});

test("a result too large to store ends terminated with the reason, and a retry by hand is accepted", async () => {
  const q = await queue();
  const cmd = handler("huge", "head -c 2000000 /dev/zero | tr '\\0' x");
  const w = worker(q, cmd, ["--max-output", "3000000"]);
  await w.waitFor("Processing");
  const t = await enqueue(q);
  const done = await stateOf(t.id, "terminated");
  expect(done.last_err).toContain("too large to store");
  expect(done.result).toBeUndefined();
  await queueEmpty(q);
  // The log names the state actually stored, not `complete`.
  await w.waitFor(new RegExp(`task ${t.id} type=job state=terminated`));
  expect(w.output()).not.toContain(`task ${t.id} type=job state=complete`);
  const retried = await client.retryTask(t.id);
  expect(retried.state).toBe("retry");
  expect(runs("huge", t.id)).toBe(1);
  await until("second run", async () => runs("huge", t.id) === 2);
});

test("a task whose signature fails verification is terminated with the reason, never run", async () => {
  const q = await queue();
  const cmd = handler("signed", "echo ok");
  const w = worker(q, cmd, ["--verify", OTHER_PUBLIC]);
  await w.waitFor("Processing");
  const task = client.newTask("job", null);
  task.queue = q;
  signTask(task, signingKey(SEED));
  await client.enqueue(task, q);
  const done = await stateOf(task.id, "terminated");
  expect(done.last_err).toContain("signature verification failed");
  expect(runs("signed", task.id)).toBe(0);
  await queueEmpty(q);
});

test("a redelivered item of a terminated task (its +TERM lost) is not run again", async () => {
  const q = await queue();
  const cmd = handler("term", "echo should-not-run");
  const t = await enqueue(q);
  // What a worker leaves behind when its +TERM never arrived: the task terminated after one try,
  // its item still in the queue.
  const stored = await client.loadTask(t.id);
  stored.state = "terminated";
  stored.tries = 1;
  stored.last_err = "terminated by the handler";
  await client.storage.tasks.save(stored);
  expect((await client.queueInfo(q)).entries).toBe(1);
  worker(q, cmd);
  await queueEmpty(q);
  const after = await client.loadTask(t.id);
  expect(after.state).toBe("terminated");
  expect(after.tries).toBe(1);
  expect(runs("term", t.id)).toBe(0);
});

test("a task retried by hand after expiring on max tries runs again and completes", async () => {
  const q = await queue();
  // Fails the first time, succeeds afterwards.
  const cmd = handler(
    "flaky",
    `if [ ! -e ${dir}/flaky.$id ]; then touch ${dir}/flaky.$id; exit 1; fi; echo fine`,
  );
  const w = worker(q, cmd, ["--backoff", "1m"]);
  await w.waitFor("Processing");
  const t = await enqueue(q, "job", { maxTries: 1 });
  const expired = await stateOf(t.id, "expired");
  expect(expired.tries).toBe(1);
  await client.retryTask(t.id);
  const done = await stateOf(t.id, "complete");
  expect(done.tries).toBe(1);
  expect(runs("flaky", t.id)).toBe(2);
  await queueEmpty(q);
});

test("a task past its deadline is refused a retry by hand with task_past_deadline, and left as it is", async () => {
  const q = await queue();
  const t = await enqueue(q, "job", { deadline: new Date(Date.now() + 200).toISOString() });
  await Bun.sleep(300);
  const stored = await client.loadTask(t.id);
  stored.state = "expired";
  await client.storage.tasks.save(stored);
  await expect(client.retryTask(t.id)).rejects.toMatchObject({ reason: "task_past_deadline" });
  expect((await client.loadTask(t.id)).state).toBe("expired");
});

test("a stopping worker cuts its handlers short after --stop-grace, saves them retry and hands them back", async () => {
  const q = await queue("1h");
  const slow = handler("slow", "exec sleep 60");
  const w = worker(q, slow, ["--stop-grace", "1s"]);
  await w.waitFor("Processing");
  const t = await enqueue(q);
  await until("slow run started", async () => runs("slow", t.id) === 1);
  const stoppedAt = Date.now();
  expect(await w.stop("SIGTERM")).toBe(0);
  // Within the grace and the save, far from the queue's hour of run time.
  expect(Date.now() - stoppedAt).toBeLessThan(15_000);
  const back = await client.loadTask(t.id);
  expect(back.state).toBe("retry");
  expect(back.tries).toBe(0);
  expect(back.last_err).toContain("worker stopped");
  // Handed back at once: another worker runs it without waiting for the hour-long ack wait.
  const fast = handler("fast", "echo done");
  worker(q, fast);
  const done = await stateOf(t.id, "complete");
  expect(done.tries).toBe(1);
  await queueEmpty(q);
});

test("NATS restarted during a handler's final save: the outcome is stored once NATS is back, the handler ran once", async () => {
  const q = await queue("1m");
  const gate = join(dir, "restart.gate");
  // Runs until the test removes the gate (NATS is down by then), then completes.
  const cmd = handler("restart", `while [ -e ${gate} ]; do sleep 0.1; done; echo finished`);
  writeFileSync(gate, "");
  const w = worker(q, cmd);
  await w.waitFor("Processing");
  const t = await enqueue(q);
  await until("run started", async () => runs("restart", t.id) === 1);
  await client.close();
  await nats.stop();
  rmSync(gate);
  // The worker cannot store the outcome now; it keeps trying while NATS is away.
  await w.waitFor(`could not record task ${t.id} as complete, trying again`, 20_000);
  await nats.start();
  // JetStream recovers its streams after the port opens: connect once it answers.
  let back: Client | undefined;
  await until(
    "JetStream back",
    async () => {
      back = await Client.connect({ connection: { servers: nats.url } });
      return true;
    },
    60_000,
  );
  client = back!;
  const done = await stateOf(t.id, "complete", 60_000);
  expect(done.tries).toBe(1);
  expect(runs("restart", t.id)).toBe(1);
  await queueEmpty(q);
});

test("a body under --max-body but over NATS max_payload: 413 payload_too_large, nothing stored, a warning at start-up", async () => {
  const q = await queue();
  const port = await freePort();
  const server = spawnAjc(
    ["server", "run", "--queue", q, "--bind", `127.0.0.1:${port}`, "--max-body", "3000000"],
    {
      env,
    },
  );
  procs.push(server);
  await server.waitFor("listening");
  expect(server.output()).toContain("--max-body 3000000 is more than the connected NATS server can store");
  const before = await client.countTasks();
  const res = await fetch(`http://127.0.0.1:${port}/v1/tasks`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ type: "big", payload: "x".repeat(2_500_000) }),
  });
  expect(res.status).toBe(413);
  const body = (await res.json()) as { error: { code: string; details?: { reason?: string } } };
  expect(body.error.code).toBe("payload_too_large");
  expect(body.error.details?.reason).toBe("payload_too_large");
  expect(await client.countTasks()).toBe(before);
  expect(server.output()).not.toContain("max_payload size exceeded");
  // A body that fits is still taken.
  const ok = await fetch(`http://127.0.0.1:${port}/v1/tasks`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ type: "small", payload: "x".repeat(500_000) }),
  });
  expect(ok.status).toBe(201);
});

test("a work item that cannot be published leaves the task queue_error with the reason, and the caller an error", async () => {
  // A queue that refuses new items when full (one entry).
  const q = await queue("10s", { max_entries: 1 });
  await enqueue(q);
  const t = client.newTask("job", null);
  await expect(client.enqueue(t, q)).rejects.toBeDefined();
  const stored = await client.loadTask(t.id);
  expect(stored.state).toBe("queue_error");
  expect(stored.last_err).toBeTruthy();
  expect((await client.queueInfo(q)).entries).toBe(1);
});
