/**
 * The cluster rows of the benchmark (`npm run bench:cluster`, or `bun bench/cluster.ts [--quick]`):
 * in one run, with the same nats-server binary (the cluster tests' choice: a current release built
 * with Go when it can be, else the one on PATH),
 *   1. R1 on a single node: `nats-server -js` alone, task store and queue with 1 replica;
 *   2. R3 on a three-node cluster (test/helpers/cluster.ts), everything with 3 replicas;
 * both running at once and measured alternately, three rounds each (R1, R3, R1, R3, ...; the
 * median is reported), for HTTP enqueue (wrk, POST /v1/tasks at 16 and 64 connections, through
 * one `ajc server run` each) and worker throughput (the TypeScript worker API at concurrency 32 and
 * `ajc task process` with /bin/true at 8, draining pre-filled tasks); then, on the cluster,
 * 3. the refusal window of a leader kill: 8 clients enqueue back to back while the task stream's
 *    leader is SIGKILLed; how long requests were refused (503/504 `unavailable`) and how long from
 *    the kill to the first task stored again.
 * Prints a Markdown table and writes bench/cluster-results.json. Loopback only; the machine's
 * other work skews the numbers (the load average is recorded).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { NatsConnection } from "@nats-io/nats-core";
import { Client } from "../src/client.ts";
import { defaultQueue } from "../src/core/queue.ts";
import { type Cluster, clusterNatsBinary, startCluster } from "../test/helpers/cluster.ts";
import { type Outcome, timedCall } from "../test/helpers/reliability.ts";
import { ensureBinary } from "./machine.ts";
import { connectRaw, freePort, waitForPort } from "./nats.ts";
import { drain, type ProcessingOptions } from "./processing.ts";
import { cleanup, installCleanupHandlers, stop, track } from "./procs.ts";
import { startServer } from "./server.ts";
import { round } from "./stats.ts";
import { findWrk, runWrk } from "./wrk.ts";

const ROOT = join(import.meta.dir, "..");
const QUEUE = "BENCH";
const quick = process.argv.includes("--quick");
const SECONDS = quick ? 2 : 5;
const ROUNDS = quick ? 1 : 3;
const DRAIN_TASKS = quick ? 500 : 2_000;
const SHELL_TASKS = quick ? 200 : 500;

function log(msg: string): void {
  console.error(`[bench:cluster ${new Date().toISOString().slice(11, 19)}] ${msg}`);
}

function loadAverage(): string {
  try {
    return readFileSync("/proc/loadavg", "utf8").split(" ")[0]!;
  } catch {
    return "?";
  }
}

interface Row {
  layout: "R1, single node" | "R3, three-node cluster";
  what: string;
  /** The median of the rounds. */
  perSecond: number;
  /** Every round's figure, in the order run. */
  rounds: number[];
  p50Ms?: number;
  p99Ms?: number;
  errors: number;
  loadAverage: string;
}

interface Setup {
  layout: Row["layout"];
  url: string;
  /** The node whose CPU the drain rows count (on the cluster: the first node). */
  pid: number;
  replicas: number;
}

interface Live {
  s: Setup;
  client: Client;
  nc: NatsConnection;
  server: Awaited<ReturnType<typeof startServer>>;
}

async function open(s: Setup, bin: string): Promise<Live> {
  const client = await Client.connect({
    connection: { servers: s.url, name: "bench setup" },
    taskStore: { replicas: s.replicas },
  });
  const nc = await connectRaw(s.url, "bench");
  await client.ensureQueue(defaultQueue(QUEUE));
  const server = await startServer([bin], s.url, QUEUE);
  return { s, client, nc, server };
}

async function close(l: Live): Promise<void> {
  await l.server.close();
  await l.nc.drain().catch(() => {});
  await l.client.close().catch(() => {});
}

const median = (xs: number[]) => {
  const v = [...xs].sort((a, b) => a - b);
  return v.length % 2 ? v[(v.length - 1) / 2]! : (v[v.length / 2 - 1]! + v[v.length / 2]!) / 2;
};

/**
 * Both layouts, measured alternately (R1, R3, R1, R3, ...) so that the machine's other work
 * falls on both alike; each row is the median of its rounds.
 */
async function measure(layouts: Live[], bin: string, wrkPath: string): Promise<Row[]> {
  const rows = new Map<string, Row>();
  const add = (l: Live, what: string, perSecond: number, extra: Partial<Row> = {}) => {
    const key = `${l.s.layout}|${what}`;
    const row = rows.get(key) ?? {
      layout: l.s.layout,
      what,
      perSecond: 0,
      rounds: [],
      errors: 0,
      loadAverage: loadAverage(),
    };
    row.rounds.push(perSecond);
    row.perSecond = round(median(row.rounds), 0);
    row.errors += extra.errors ?? 0;
    if (extra.p50Ms !== undefined) row.p50Ms = extra.p50Ms;
    if (extra.p99Ms !== undefined) row.p99Ms = extra.p99Ms;
    rows.set(key, row);
    log(`${l.s.layout}: ${what}: ${perSecond}/s`);
  };
  for (const l of layouts) await runWrk(wrkPath, "post", `${l.server.base}/v1/tasks`, 16, 1);
  for (let round_ = 0; round_ < ROUNDS; round_++) {
    for (const c of [16, 64]) {
      for (const l of layouts) {
        const r = await runWrk(wrkPath, "post", `${l.server.base}/v1/tasks`, c, SECONDS);
        add(l, `HTTP POST /v1/tasks, ${c} connections`, round(r.requests / (r.duration_us / 1e6), 0), {
          p50Ms: round(r.p50_us / 1000, 1),
          p99Ms: round(r.p99_us / 1000, 1),
          errors: r.status_errors + r.connect_errors + r.read_errors + r.write_errors + r.timeouts,
        });
      }
    }
  }
  for (const l of layouts) {
    await l.client.purgeTasks();
    await l.client.purgeQueue(QUEUE);
  }
  for (let round_ = 0; round_ < ROUNDS; round_++) {
    for (const [mode, c, count] of [
      ["ts-worker", 32, DRAIN_TASKS],
      ["ajc-process", 8, SHELL_TASKS],
    ] as const) {
      for (const l of layouts) {
        const o: ProcessingOptions = {
          natsUrl: l.s.url,
          natsPid: l.s.pid,
          nc: l.nc,
          client: l.client,
          binary: bin,
          concurrencies: [],
          count,
          shellCountAtOne: count,
          timeoutMs: 300_000,
        };
        const d = await drain(o, mode, c);
        add(
          l,
          mode === "ts-worker"
            ? `worker API, concurrency ${c}`
            : `ajc task process /bin/true, concurrency ${c}`,
          d.perSecond,
          { errors: d.failed + (d.tasks - d.completed) },
        );
        await l.client.purgeTasks();
      }
    }
  }
  return [...rows.values()].sort((a, b) => a.what.localeCompare(b.what) || a.layout.localeCompare(b.layout));
}

/** Enqueues from 8 clients while the task stream's leader is SIGKILLed; the refusal window. */
async function leaderKill(cluster: Cluster, bin: string) {
  const server = await startServer([bin], cluster.urls, QUEUE);
  try {
    const attempts: Outcome[] = [];
    let running = true;
    const clients = Array.from({ length: 8 }, async () => {
      while (running) {
        attempts.push(
          await timedCall(server.base, "POST", "/v1/tasks", {
            json: { type: "bench", payload: { n: 1 } },
            timeoutMs: 30_000,
          }),
        );
      }
    });
    await Bun.sleep(3_000);
    const leader = await cluster.streamLeader("CHORIA_AJ_TASKS");
    const killedAt = Date.now();
    await leader.stop(true);
    const next = await cluster.streamLeader("CHORIA_AJ_TASKS", { not: leader.name, timeoutMs: 60_000 });
    const electedMs = Date.now() - killedAt;
    await Bun.sleep(8_000);
    running = false;
    await Promise.all(clients);
    await leader.start();
    const refused = attempts.filter((a) => a.status >= 500 || a.status === 0);
    const first = Math.min(...refused.map((a) => a.at ?? 0));
    const last = Math.max(...refused.map((a) => (a.at ?? 0) + a.ms));
    const storedAgain = attempts
      .filter((a) => (a.status === 201 || a.status === 200) && (a.at ?? 0) >= killedAt)
      .map((a) => (a.at ?? 0) + a.ms);
    const other = attempts.filter((a) => a.status >= 400 && a.status !== 503 && a.status !== 504);
    return {
      killed: leader.name,
      newLeader: next.name,
      newLeaderSeenMs: electedMs,
      requests: attempts.length,
      refused503: refused.filter((a) => a.status === 503).length,
      refused504: refused.filter((a) => a.status === 504).length,
      noAnswer: refused.filter((a) => a.status === 0).length,
      otherErrors: other.length,
      refusalWindowMs: refused.length > 0 ? Math.round(last - first) : 0,
      killToFirstStoredMs: storedAgain.length > 0 ? Math.round(Math.min(...storedAgain) - killedAt) : -1,
    };
  } finally {
    await server.close();
  }
}

async function main(): Promise<number> {
  installCleanupHandlers();
  const started = Date.now();
  const wrk = findWrk();
  if (wrk?.kind !== "wrk") {
    console.error("bench:cluster needs wrk (Debian: apt-get install -y wrk)");
    return 1;
  }
  const bin = ensureBinary(ROOT).path;
  const natsServer = clusterNatsBinary();
  const version = Bun.spawnSync([natsServer, "--version"]).stdout.toString().trim();
  log(`nats-server: ${version} (${natsServer})`);

  // 1. R1 on a single node, the same binary.
  const port = await freePort();
  const store = mkdtempSync(join(tmpdir(), "ajc-bench-r1-"));
  const single = track(
    Bun.spawn([natsServer, "-js", "-a", "127.0.0.1", "-p", String(port), "-sd", store], {
      stdout: "ignore",
      stderr: "ignore",
    }),
  );
  const rows: Row[] = [];
  let kill: Awaited<ReturnType<typeof leaderKill>> | undefined;
  let cluster: Cluster | undefined;
  const live: Live[] = [];
  try {
    await waitForPort(port, 10_000);
    cluster = await startCluster();
    live.push(
      await open(
        { layout: "R1, single node", url: `nats://127.0.0.1:${port}`, pid: single.pid, replicas: 1 },
        bin,
      ),
    );
    live.push(
      await open(
        { layout: "R3, three-node cluster", url: cluster.urls, pid: cluster.nodes[0]!.pid!, replicas: 3 },
        bin,
      ),
    );
    rows.push(...(await measure(live, bin, wrk.path)));
    for (const l of live.splice(0)) await close(l);
    await stop(single);
    // The refusal window of a leader kill, with the single node gone.
    kill = await leaderKill(cluster, bin);
    log(`leader kill: ${JSON.stringify(kill)}`);
  } finally {
    for (const l of live) await close(l).catch(() => {});
    await cluster?.close();
    rmSync(store, { recursive: true, force: true });
    await cleanup();
  }

  const results = {
    command: `npm run bench:cluster${quick ? " -- --quick" : ""}`,
    startedAt: new Date(started).toISOString(),
    totalSeconds: Math.round((Date.now() - started) / 1000),
    natsServer: version,
    cores: navigator.hardwareConcurrency,
    rows,
    leaderKill: kill,
  };
  writeFileSync(join(import.meta.dir, "cluster-results.json"), `${JSON.stringify(results, null, 2)}\n`);
  const lines = [
    `| measured | layout | per second (median) | rounds | p50 ms (last round) | p99 ms (last round) | errors | load avg |`,
    `|---|---|---:|---|---:|---:|---:|---:|`,
    ...rows.map(
      (r) =>
        `| ${r.what} | ${r.layout} | ${r.perSecond} | ${r.rounds.join(", ")} | ${r.p50Ms ?? ""} | ${r.p99Ms ?? ""} | ${r.errors} | ${r.loadAverage} |`,
    ),
  ];
  if (kill) {
    lines.push(
      "",
      `Leader kill (8 clients back to back, SIGKILL of the task stream's leader ${kill.killed}): requests refused for ${kill.refusalWindowMs} ms ` +
        `(${kill.refused503} × 503, ${kill.refused504} × 504, ${kill.noAnswer} unanswered, ${kill.otherErrors} other errors of ${kill.requests}); ` +
        `a new leader (${kill.newLeader}) seen after ${kill.newLeaderSeenMs} ms; the first task stored ${kill.killToFirstStoredMs} ms after the kill.`,
    );
  }
  console.log(lines.join("\n"));
  log(`wrote bench/cluster-results.json (${results.totalSeconds}s)`);
  return 0;
}

process.exitCode = await main();
