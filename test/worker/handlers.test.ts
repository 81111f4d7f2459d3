/** The handlers shipped with `ajc task process`: external command and request-reply. */
import { afterAll, beforeAll, expect, test } from "bun:test";
import {
  chmodSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { headers } from "@nats-io/nats-core";
import { parseTimeNs } from "../../src/core/time.ts";
import { assertCommand, commandHandler, remoteHandler } from "../../src/worker/index.ts";
import { startTestEnv, type TestEnv } from "../helpers/client.ts";
import { jsonPayload, Router, startWorker, until, waitForTask } from "./harness.ts";

let env: TestEnv;
let dir: string;
beforeAll(async () => {
  env = await startTestEnv();
  dir = mkdtempSync(join(tmpdir(), "ajc-handlers-"));
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

test("command: the task file goes in, combined output comes back as the result", async () => {
  const c = env.client;
  await c.createQueue({ name: "CMD", max_runtime: "10s" });
  const cmd = script(
    "ok.sh",
    'echo "file=$CHORIA_AJ_TASK args=$#"; cat "$CHORIA_AJ_TASK"; echo; echo "to stderr" >&2; echo "home=[$HOME]"',
  );
  const w = startWorker(c, new Router().handle("cmd", commandHandler(cmd)), { queue: "CMD" });
  const task = await c.enqueue(c.newTask("cmd", jsonPayload({ n: 1 })), "CMD");
  const done = await waitForTask(c, task.id, "complete");
  await w.stop();
  const out = String(done.result?.payload);
  const [first, json, err, home] = out.split("\n");
  const file = /file=(\S+) args=0/.exec(first ?? "")?.[1];
  expect(file).toBeDefined();
  expect(existsSync(file!)).toBe(false);
  const sent = JSON.parse(json!);
  expect(sent).toMatchObject({ id: task.id, type: "cmd", queue: "CMD", state: "active", tries: 1 });
  expect(Buffer.from(sent.payload, "base64").toString()).toBe('{"n":1}');
  expect(err).toBe("to stderr");
  expect(home).toBe("home=[]");
});

test("command: a non-zero exit is a failure to retry", async () => {
  const c = env.client;
  await c.createQueue({ name: "CMDFAIL", max_runtime: "10s", max_tries: 1 });
  const cmd = script("fail.sh", "echo failing; exit 3");
  const w = startWorker(c, new Router().handle("", commandHandler(cmd)), { queue: "CMDFAIL" });
  const task = await c.enqueue(c.newTask("cmd", null), "CMDFAIL");
  const done = await waitForTask(c, task.id, "expired");
  await w.stop();
  expect(done.last_err).toBe("execution failed: exit status 3");
  expect(done.result).toBeUndefined();
});

test("command: killed at the deadline with what it started", async () => {
  const c = env.client;
  await c.createQueue({ name: "CMDSLOW", max_runtime: "1s", max_tries: 1 });
  const marker = join(dir, "slow.pid");
  const cmd = script("slow.sh", `sleep 30 & echo $! > ${marker}; wait`);
  const w = startWorker(c, new Router().handle("", commandHandler(cmd)), { queue: "CMDSLOW" });
  const task = await c.enqueue(c.newTask("cmd", null), "CMDSLOW");
  const started = Date.now();
  const done = await waitForTask(c, task.id, "expired", 5000);
  await w.stop();
  expect(Date.now() - started).toBeLessThan(3000);
  expect(done.last_err).toBe("handler deadline exceeded");
  const pid = Number(await Bun.file(marker).text());
  const leftovers = () => readdirSync(tmpdir()).filter((f) => f.startsWith(`asyncjobs-task-${task.id}`));
  // The shell's child is gone too (dead, or a zombie where PID 1 does not reap).
  const childGone = () => {
    const stat = existsSync(`/proc/${pid}/stat`) ? readFileSync(`/proc/${pid}/stat`, "utf8") : "";
    return stat === "" || /^\d+ \(.*\) Z/.test(stat);
  };
  // The clean-up follows the expiry: wait for it with a deadline rather than a fixed sleep.
  await until(() => leftovers().length === 0 && childGone(), 5_000, "the handler's clean-up").catch(() => {});
  expect(leftovers()).toEqual([]);
  expect(childGone()).toBe(true);
});

test("command: must be an executable file", () => {
  expect(() => assertCommand(join(dir, "missing"))).toThrow("not an executable file");
  expect(() => assertCommand(dir)).toThrow("not a file");
  writeFileSync(join(dir, "plain.sh"), "echo");
  expect(() => assertCommand(join(dir, "plain.sh"))).toThrow("not an executable file");
});

test("remote: request-reply with the asyncjobs headers; reply headers decide the outcome", async () => {
  const c = env.client;
  await c.createQueue({ name: "REMOTE", max_runtime: "10s", max_tries: 1 });
  const requests: { subject: string; headers: Record<string, string>; task: Record<string, unknown> }[] = [];
  const sub = env.client.storage.nc.subscribe("CHORIA_AJ.H.T.>", {
    callback: (_e, m) => {
      const task = m.json<Record<string, unknown>>();
      requests.push({
        subject: m.subject,
        headers: Object.fromEntries([...(m.headers ?? [])].map(([k, v]) => [k, v[0] ?? ""])),
        task,
      });
      const h = headers();
      if (task.type === "rr:terminate") h.set("AJ-Terminate", "not wanted");
      if (task.type === "rr:error") h.set("AJ-Error", "try later");
      m.respond(`handled ${task.id}`, { headers: h });
    },
  });
  const router = new Router().handle("rr", remoteHandler(c, "rr")).handle("", remoteHandler(c, ""));
  const w = startWorker(c, router, { queue: "REMOTE", concurrency: 4 });
  const ok = await c.enqueue(c.newTask("rr:ok", jsonPayload({ a: 1 })), "REMOTE");
  const term = await c.enqueue(c.newTask("rr:terminate", null), "REMOTE");
  const err = await c.enqueue(c.newTask("rr:error", null), "REMOTE");
  const other = await c.enqueue(c.newTask("other", null), "REMOTE");
  const okDone = await waitForTask(c, ok.id, "complete");
  const termDone = await waitForTask(c, term.id, "terminated");
  const errDone = await waitForTask(c, err.id, "expired");
  const otherDone = await waitForTask(c, other.id, "complete");
  await w.stop();
  sub.unsubscribe();

  // The body is stored as bytes are in Go: base64.
  expect(Buffer.from(String(okDone.result?.payload), "base64").toString()).toBe(`handled ${ok.id}`);
  expect(termDone.last_err).toBe("not wanted: terminate task");
  expect(errDone.last_err).toBe("try later");
  expect(Buffer.from(String(otherDone.result?.payload), "base64").toString()).toBe(`handled ${other.id}`);

  const okReq = requests.find((r) => r.task.id === ok.id)!;
  expect(okReq.subject).toBe("CHORIA_AJ.H.T.rr");
  expect(okReq.headers["AJ-Content-Type"]).toBe("application/x-asyncjobs-task+json");
  const deadline = okReq.headers["AJ-Handler-Deadline"]!;
  expect(deadline).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  const secondsAhead = Number(parseTimeNs(deadline)! / 1_000_000n - BigInt(Date.now())) / 1000;
  expect(secondsAhead).toBeGreaterThan(3);
  expect(secondsAhead).toBeLessThan(8.5);
  expect(okReq.task).toMatchObject({ id: ok.id, type: "rr:ok", state: "active", tries: 1 });
  expect(requests.find((r) => r.task.id === other.id)?.subject).toBe("CHORIA_AJ.H.T.catchall");
});

test("remote: no responder, or less than 3s left, is a failure", async () => {
  const c = env.client;
  await c.createQueue({ name: "NOREMOTE", max_runtime: "10s", max_tries: 1 });
  await c.createQueue({ name: "SHORT", max_runtime: "2s", max_tries: 1 });
  const w1 = startWorker(c, new Router().handle("", remoteHandler(c, "nobody")), { queue: "NOREMOTE" });
  const w2 = startWorker(c, new Router().handle("", remoteHandler(c, "nobody")), { queue: "SHORT" });
  const a = await c.enqueue(c.newTask("nobody", null), "NOREMOTE");
  const b = await c.enqueue(c.newTask("nobody", null), "SHORT");
  const aDone = await waitForTask(c, a.id, "expired");
  const bDone = await waitForTask(c, b.id, "expired");
  await Promise.all([w1.stop(), w2.stop()]);
  expect(aDone.last_err).toBe("request-reply handler: no responders on CHORIA_AJ.H.T.nobody");
  expect(bDone.last_err).toBe("request-reply handler needs at least 3s before the deadline");
});
