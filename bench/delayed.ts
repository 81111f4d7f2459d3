/**
 * Delayed tasks under load (`npm run bench -- --delayed [--count N]`): on a private nats-server
 * 2.14+ (AJC_NATS_SERVER, else the newest release test/interop builds with Go), N tasks with a
 * `run_at` (default 100,000) are created through the TypeScript client, 64 at a time, in two
 * scenarios: all due at one instant, and due evenly over one minute. The TypeScript worker API
 * (a child process, no-op handler, concurrency 32) runs them. For each task it reports
 *   - fired: when nats-server fired its wake-up (the stored time of the fired message in
 *     `AJC_DELAYED`) minus its run_at: the server's part;
 *   - started: the task's `tried` (set by the worker when it starts the handler) minus its
 *     run_at: what a user sees, which includes waiting behind the tasks due at the same time;
 * as p50, p99 and max, with how many were early (either before run_at: must be 0) and how many
 * were lost (never fired, or never completed: must be 0), and the CPU seconds nats-server, the
 * creating client and the worker spent. Prints Markdown, writes bench/results-delayed.json.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { jetstream } from "@nats-io/jetstream";
import { Client } from "../src/client.ts";
import { defaultQueue } from "../src/core/queue.ts";
import { timeMs } from "../src/core/time.ts";
import { DELAYED_MIN_SERVER, versionAtLeast } from "../src/store/delayed.ts";
import { DELAYED_STREAM, queueStream, WORKERS_CONSUMER } from "../src/store/subjects.ts";
import { goVersion, NEWEST_NATS_RELEASE, natsServerRelease } from "../test/interop/go-tools.ts";
import { type BenchNats, connectRaw, startNats } from "./nats.ts";
import { cpuSeconds, memory } from "./proc-stats.ts";
import { cleanup, stop, track } from "./procs.ts";
import { int, percentile } from "./stats.ts";
import { BENCH_TYPE } from "./tasks.ts";

/** The release used when AJC_NATS_SERVER is not set: the newest the interop tests build. */
const RELEASE = NEWEST_NATS_RELEASE;
const CREATE_CONCURRENCY = 64;
const WORKER_CONCURRENCY = 32;
const SPREAD_MS = 60_000;

export interface Lateness {
  p50: number;
  p99: number;
  max: number;
  /** Before run_at: must be 0. */
  early: number;
}

export interface DelayedScenario {
  name: string;
  tasks: number;
  /** Tasks created per second (task stored plus wake-up stored). */
  createPerSecond: number;
  /** Milliseconds between the last create and the first run_at (it must be > 0). */
  headroomMs: number;
  fired: Lateness;
  started: Lateness;
  /** Wake-ups that never fired, and tasks that never completed. */
  lostFired: number;
  lostStarted: number;
  /** From the first run_at to the last task complete. */
  drainSeconds: number;
  cpuSeconds: { natsServer: number; creatingClient: number; worker: number };
  natsServerPeakRssMB: number;
}

function lateness(values: number[]): Lateness {
  return {
    p50: percentile(values, 50),
    p99: percentile(values, 99),
    max: values.length ? Math.max(...values) : 0,
    early: values.filter((v) => v < 0).length,
  };
}

/** The 1-minute load average now (other work on the machine skews the figures). */
function loadAverage(): string {
  try {
    return readFileSync("/proc/loadavg", "utf8").split(" ")[0] ?? "?";
  } catch {
    return "?";
  }
}

function log(msg: string): void {
  console.error(`[bench delayed ${new Date().toISOString().slice(11, 19)}] ${msg}`);
}

function natsBinary(): string {
  if (process.env.AJC_NATS_SERVER) return process.env.AJC_NATS_SERVER;
  if (!goVersion()) {
    throw new Error(
      `delayed tasks need nats-server ${DELAYED_MIN_SERVER}+: set AJC_NATS_SERVER, or install Go to build ${RELEASE}`,
    );
  }
  log(`building nats-server ${RELEASE} with Go if not cached`);
  return natsServerRelease(RELEASE);
}

/** Creates `runAts.length` delayed tasks in `queue`, CREATE_CONCURRENCY at a time; their ids in order. */
async function createAll(client: Client, queue: string, runAts: number[]): Promise<string[]> {
  const ids: string[] = new Array(runAts.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: CREATE_CONCURRENCY }, async () => {
      for (let i = next++; i < runAts.length; i = next++) {
        const t = client.newTask(BENCH_TYPE, null, { runAt: new Date(runAts[i]!) });
        await client.enqueue(t, queue);
        ids[i] = t.id;
      }
    }),
  );
  return ids;
}

/** Create rate measured on a throw-away queue (its tasks are due long after the benchmark). */
async function createRate(client: Client): Promise<number> {
  await client.ensureQueue(defaultQueue("DLY_TRIAL"));
  const n = 2_000;
  const at = Date.now() + 3_600_000;
  const t0 = performance.now();
  await createAll(client, "DLY_TRIAL", new Array(n).fill(at));
  return n / ((performance.now() - t0) / 1000);
}

/** Reads the fired wake-ups of `queue` from AJC_DELAYED: task id -> stored time (ms). */
async function firedTimes(nats: BenchNats, queue: string, expected: number): Promise<Map<string, number>> {
  const nc = await connectRaw(nats.url, "bench delayed reader");
  const out = new Map<string, number>();
  try {
    const js = jetstream(nc, { timeout: 20_000 });
    const prefix = `AJC_DELAYED.T.${queue}.`;
    const c = await js.consumers.get(DELAYED_STREAM, { filter_subjects: [`${prefix}*`] });
    const msgs = await c.consume({ max_messages: 1_000 });
    const idle = setInterval(() => {
      if (out.size === seen) msgs.stop();
      seen = out.size;
    }, 10_000);
    let seen = -1;
    for await (const m of msgs) {
      out.set(m.subject.slice(prefix.length), Math.floor(m.info.timestampNanos / 1_000_000));
      if (m.info.pending === 0 || out.size >= expected) break;
    }
    clearInterval(idle);
    msgs.stop();
  } finally {
    await nc.close();
  }
  return out;
}

async function scenario(
  nats: BenchNats,
  client: Client,
  name: string,
  count: number,
  rate: number,
  spreadMs: number,
): Promise<DelayedScenario> {
  const queue = `DLY_${name.toUpperCase()}`;
  await client.ensureQueue({ ...defaultQueue(queue), max_concurrent: 1_000 });
  // Creating must end before the first task is due: the rate measured, and half as much again.
  const leadMs = Math.ceil(((count / rate) * 1.5 + 5) * 1000);
  const first = Date.now() + leadMs;
  const runAts = Array.from({ length: count }, (_, i) => first + Math.floor((i * spreadMs) / count));
  log(`${name}: creating ${int(count)} tasks due from ${new Date(first).toISOString()} (in ${leadMs} ms)`);
  const natsCpu0 = cpuSeconds(nats.pid) ?? 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const ids = await createAll(client, queue, runAts);
  const createSeconds = (performance.now() - t0) / 1000;
  const created = Date.now();
  const cpu = process.cpuUsage(cpu0);
  log(`${name}: created in ${createSeconds.toFixed(1)} s; ${first - created} ms before the first is due`);

  const worker = track(
    Bun.spawn(
      [
        process.execPath,
        join(import.meta.dir, "drain-child.ts"),
        "worker",
        nats.url,
        queue,
        String(WORKER_CONCURRENCY),
      ],
      { stdout: "ignore", stderr: "inherit" },
    ),
  );
  // Done when every item came into the queue (it gets nothing else), the queue is empty and
  // nothing awaits an acknowledgement.
  const jsm = client.storage.jet.jsm;
  const last = runAts[runAts.length - 1]!;
  let drained = 0;
  for (;;) {
    await Bun.sleep(1_000);
    if (Date.now() < last) continue;
    const [q, consumer] = await Promise.all([
      jsm.streams.info(queueStream(queue)),
      jsm.consumers.info(queueStream(queue), WORKERS_CONSUMER),
    ]);
    if (q.state.last_seq >= count && q.state.messages === 0 && consumer.num_ack_pending === 0) {
      drained = Date.now();
      break;
    }
    if (Date.now() - last > 600_000) throw new Error(`${name}: not drained 10 minutes after the last run_at`);
  }
  const workerCpu = cpuSeconds(worker.pid) ?? 0;
  await stop(worker);
  const natsCpu = (cpuSeconds(nats.pid) ?? 0) - natsCpu0;

  const fired = await firedTimes(nats, queue, count);
  const runAtOf = new Map(ids.map((id, i) => [id, runAts[i]!]));
  const firedLate: number[] = [];
  for (const [id, at] of fired) {
    const runAt = runAtOf.get(id);
    if (runAt !== undefined) firedLate.push(at - runAt);
  }
  const startedLate: number[] = [];
  let lastComplete = 0;
  for await (const t of client.listTasks({ limit: 10_000_000 })) {
    const runAt = runAtOf.get(t.id);
    if (runAt === undefined || t.state !== "complete" || !t.tried) continue;
    startedLate.push(timeMs(t.tried) - runAt);
    if (t.result) lastComplete = Math.max(lastComplete, timeMs(t.result.completed));
  }
  return {
    name,
    tasks: count,
    createPerSecond: Math.round(count / createSeconds),
    headroomMs: first - created,
    fired: lateness(firedLate),
    started: lateness(startedLate),
    lostFired: count - firedLate.length,
    lostStarted: count - startedLate.length,
    drainSeconds: Math.round(((lastComplete || drained) - first) / 100) / 10,
    cpuSeconds: {
      natsServer: Math.round(natsCpu * 10) / 10,
      creatingClient: Math.round(((cpu.user + cpu.system) / 1e6) * 10) / 10,
      worker: Math.round(workerCpu * 10) / 10,
    },
    natsServerPeakRssMB: Math.round(memory(nats.pid)?.hwmMB ?? 0),
  };
}

function render(version: string, load: string, rows: DelayedScenario[]): string {
  const lines = [
    `Delayed tasks on nats-server ${version.replace(/^nats-server: /, "")} (1-minute load average ${load} at the start): created with the TypeScript client (${CREATE_CONCURRENCY} at a time), run by the TypeScript worker API (concurrency ${WORKER_CONCURRENCY}, no-op handler).`,
    "",
    "| scenario | tasks | created/s | fired late p50 / p99 / max (ms) | started late p50 / p99 / max (ms) | early | lost | drained (s after first run_at) | CPU s: nats-server / client / worker | nats-server peak RSS (MB) |",
    "| --- | ---: | ---: | --- | --- | ---: | ---: | ---: | --- | ---: |",
  ];
  for (const r of rows) {
    const l = (x: Lateness) => `${int(x.p50)} / ${int(x.p99)} / ${int(x.max)}`;
    lines.push(
      `| ${r.name} | ${int(r.tasks)} | ${int(r.createPerSecond)} | ${l(r.fired)} | ${l(r.started)} | ${r.fired.early + r.started.early} | ${r.lostFired + r.lostStarted} | ${r.drainSeconds} | ${r.cpuSeconds.natsServer} / ${r.cpuSeconds.creatingClient} / ${r.cpuSeconds.worker} | ${r.natsServerPeakRssMB} |`,
    );
  }
  return lines.join("\n");
}

/** Runs both scenarios; 1 when a task was early or lost (or a scenario failed). */
export async function runDelayedBench(count: number): Promise<number> {
  let nats: BenchNats | undefined;
  let client: Client | undefined;
  const rows: DelayedScenario[] = [];
  const load = loadAverage();
  try {
    nats = await startNats(natsBinary());
    log(`nats-server ${nats.version}`);
    client = await Client.connect({ connection: { servers: nats.url, name: "bench delayed client" } });
    if (!versionAtLeast(client.delayedTasks().server, DELAYED_MIN_SERVER)) {
      throw new Error(`nats-server ${client.delayedTasks().server} is older than ${DELAYED_MIN_SERVER}`);
    }
    const rate = await createRate(client);
    log(`create rate ${int(rate)}/s (trial of 2,000)`);
    rows.push(await scenario(nats, client, "instant", count, rate, 0));
    await client.purgeTasks();
    rows.push(await scenario(nats, client, "spread", count, rate, SPREAD_MS));
  } finally {
    await client?.close().catch(() => {});
    await nats?.close();
    await cleanup();
  }
  const md = render(nats?.version ?? "?", load, rows);
  writeFileSync(
    join(import.meta.dir, "results-delayed.json"),
    `${JSON.stringify({ startedAt: new Date().toISOString(), natsServer: nats?.version, loadAverage: load, count, rows }, null, 2)}\n`,
  );
  console.log(md);
  const bad = rows.some((r) => r.fired.early + r.started.early + r.lostFired + r.lostStarted > 0);
  if (bad) log("FAILED: a task was early or lost");
  return bad ? 1 : 0;
}
