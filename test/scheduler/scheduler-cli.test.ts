/**
 * `ajc task cron scheduler` as users run it: two compiled-binary processes with the production
 * timings. Exactly one fires each tick; the leader killed with SIGKILL is replaced within about one
 * TTL and the event is published; metrics on --monitor; SIGTERM steps down and releases the key.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import type { LifecycleEvent } from "../../src/client.ts";
import type { Task } from "../../src/core/task.ts";
import { timeMs } from "../../src/core/time.ts";
import { type AjcProcess, jsonLogLines, runAjc, spawnAjc } from "../helpers/binary.ts";
import { startTestEnv, type TestEnv } from "../helpers/client.ts";
import { freePort } from "../helpers/nats.ts";
import { until } from "../helpers/reliability.ts";

let env: TestEnv;
const procs: AjcProcess[] = [];
const events: LifecycleEvent[] = [];
const stopEvents = new AbortController();

beforeAll(async () => {
  env = await startTestEnv();
  await env.client.createQueue({ name: "CRON" });
  void (async () => {
    for await (const { event } of env.client.watchEvents({ signal: stopEvents.signal })) {
      if (event.type === "io.choria.asyncjobs.v1.leader_elected") events.push(event);
    }
  })();
}, 20_000);

afterAll(async () => {
  stopEvents.abort();
  for (const p of procs) await p.stop("SIGKILL");
  await env.close();
}, 20_000);

async function ticks(): Promise<number[]> {
  const secs: number[] = [];
  for await (const t of env.client.listTasks()) if (t.type === "cron:tick") secs.push(second(t));
  return secs.sort((a, b) => a - b);
}

const second = (t: Task) => Math.floor(timeMs(t.created) / 1000);

async function metrics(port: number): Promise<string> {
  return (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
}

test("usage errors", async () => {
  const r = await runAjc(["task", "cron", "scheduler"]);
  expect(r.code).toBe(2);
  expect(r.stderr).toContain("Not enough non-option arguments");
  const bad = await runAjc([
    "task",
    "cron",
    "scheduler",
    "s",
    "--monitor",
    "localhost:http",
    "-s",
    env.nats.url,
  ]);
  expect(bad.code).toBe(1);
  expect(bad.stderr).toContain('ajc: --monitor must be PORT or HOST:PORT, not "localhost:http"');
}, 20_000);

test("two schedulers: one fires each tick, a killed leader is replaced, SIGTERM steps down", async () => {
  const add = await runAjc([
    "task",
    "cron",
    "add",
    "ticker",
    "@every 1s",
    "cron:tick",
    "-q",
    "CRON",
    "-s",
    env.nats.url,
  ]);
  expect(add.code).toBe(0);
  const ports = [await freePort(), await freePort()];
  const names = ["sched-a", "sched-b"];
  for (const [i, name] of names.entries()) {
    procs.push(
      // One listens on every interface, one on loopback only.
      spawnAjc([
        "task",
        "cron",
        "scheduler",
        name,
        "--monitor",
        `${i ? "127.0.0.1:" : ""}${ports[i]}`,
        "-s",
        env.nats.url,
      ]),
    );
  }
  // 0-5s splay, a create, then the confirming refresh 2.5s later.
  const started = Date.now();
  await Promise.any(procs.map((p) => p.waitFor("is now the leader", 15_000)));
  const li = procs.findIndex((p) => p.output().includes("is now the leader"));
  const [leader, follower] = [procs[li]!, procs[1 - li]!];
  const [leaderPort, followerPort] = [ports[li]!, ports[1 - li]!];
  expect(Date.now() - started).toBeLessThan(12_000);

  // Every second exactly one task; two leaders would make two per second. Four ticks, however long
  // a loaded machine takes for them, are the window watched.
  await until("four ticks", async () => (await ticks()).length >= 4, 15_000);
  const before = await ticks();
  expect(before.length).toBeGreaterThanOrEqual(4);
  expect(new Set(before).size).toBe(before.length);
  expect(follower.output()).not.toContain("created task");
  expect(leader.output()).toMatch(/schedule ticker created task [0-9A-Z]{26} \(cron:tick\) in queue CRON/);

  const lm = await metrics(leaderPort);
  expect(lm).toContain("choria_asyncjobs_task_scheduler_paused 0\n");
  expect(lm).toContain("choria_asyncjobs_task_scheduler_schedules_total 1\n");
  expect(lm).toMatch(
    /choria_asyncjobs_task_scheduler_scheduled_count\{type="cron:tick",queue="CRON"\} [1-9]/,
  );
  expect(lm).toMatch(
    /choria_asyncjobs_election_campaigns\{election="task_scheduler",identity="sched-.",state="leader"\} \d+/,
  );
  expect(lm).toMatch(/choria_asyncjobs_election_leader\{election="task_scheduler",identity="sched-."\} 1\n/);
  expect(lm).toContain('choria_asyncjobs_election_interval_seconds{election="task_scheduler",identity="');
  expect(lm).toContain("# TYPE choria_asyncjobs_task_scheduler_schedule_error_count counter");
  const fm = await metrics(followerPort);
  expect(fm).toContain("choria_asyncjobs_task_scheduler_paused 1\n");
  expect(fm).toMatch(/choria_asyncjobs_election_leader\{election="task_scheduler",identity="sched-."\} 0\n/);
  expect((await fetch(`http://127.0.0.1:${followerPort}/other`)).status).toBe(404);

  const leaderName = names[li]!;
  const followerName = names[1 - li]!;
  expect(events.map((e) => (e as { name?: string }).name)).toEqual([leaderName]);

  // The leader dies without stepping down: its key must expire (TTL 10s) before the other wins.
  const killedAt = Date.now();
  await leader.stop("SIGKILL");
  await follower.waitFor("is now the leader", 20_000);
  const takeover = Date.now() - killedAt;
  expect(takeover).toBeLessThan(16_000);
  const afterTakeover = async () => (await ticks()).filter((s) => s * 1000 > killedAt + takeover);
  await until(
    "the new leader's event",
    async () => (events.at(-1) as { name?: string } | undefined)?.name === followerName,
    10_000,
  );
  await until("a tick of the new leader", async () => (await afterTakeover()).length >= 1, 10_000);
  expect(events.at(-1)).toMatchObject({ name: followerName, component: "task_scheduler" });
  const all = await ticks();
  expect(new Set(all).size).toBe(all.length);

  // SIGTERM: step down, release the key (no 10s wait for the next leader), exit 0.
  expect(await follower.stop("SIGTERM")).toBe(0);
  expect(follower.output()).toContain("SIGTERM received: stepping down and stopping");
  // The text style of every long-running command: the shared logger's, line for line.
  for (const line of follower.output().trimEnd().split("\n")) {
    expect(line).toMatch(/^(INFO|WARN|ERRO|DEBU)\[\d{4}\] /);
  }
  expect(await (await env.client.storage.elections()).get("task_scheduler")).toBeUndefined();
}, 60_000);

test("--log-format json (or AJC_LOG_FORMAT): every line is the shared logger's JSON", async () => {
  const bad = await runAjc(["task", "cron", "scheduler", "s", "-s", env.nats.url], {
    env: { AJC_LOG_FORMAT: "yaml" },
  });
  expect(bad.code).toBe(1);
  expect(bad.stderr).toContain("--log-format must be text or json");
  const port = await freePort();
  const p = spawnAjc(
    ["task", "cron", "scheduler", "json-sched", "--monitor", String(port), "-s", env.nats.url],
    {
      env: { AJC_LOG_FORMAT: "json" },
    },
  );
  procs.push(p);
  await p.waitFor("serving Prometheus metrics");
  expect(await p.stop("SIGTERM")).toBe(0);
  const lines = jsonLogLines(p.output());
  expect(lines[0]).toMatchObject({
    level: "info",
    msg: expect.stringContaining("serving Prometheus metrics"),
  });
  expect(lines.map((l) => l.msg)).toContain("SIGTERM received: stepping down and stopping");
  expect(lines.at(-1)).toMatchObject({ level: "info", msg: "stopped" });
}, 30_000);
