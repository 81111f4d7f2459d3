/**
 * Part 8, ajc beside its peers under one HTTP enqueue load (`POST /v1/tasks`, the bench's body):
 * each server, on a freshly emptied store, gets a short warm-up, then
 *   - "16 fresh":     16 connections,
 *   - "64 sustained": 64 connections for longer,
 *   - "16 after 64":  16 connections again, right after (the tail once the heap has grown),
 * with its idle RSS after start (before any request) and once the load is over. Servers take turns
 * in every round, the order alternating, so load from elsewhere on the machine falls on all alike;
 * the ratios (ours / peer's) are per round and their median is what the targets read.
 *
 * A peer is any `ajc server run`-compatible executable (AJC_BENCH_PEER, see run.ts for the
 * convention); it is started exactly as ours, see server.ts.
 */
import type { BenchNats } from "./nats.ts";
import { cpuSeconds, memory, PhaseMeter, settle } from "./proc-stats.ts";
import { type AjcServer, startServer } from "./server.ts";
import { round } from "./stats.ts";
import { runWrk } from "./wrk.ts";

export type PhaseName = "16 fresh" | "64 sustained" | "16 after 64";

export interface PhaseRow {
  phase: PhaseName;
  connections: number;
  seconds: number;
  requests: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  p999Ms: number;
  maxMs: number;
  /** wrk's status errors (>= 400), socket errors and timeouts. */
  errors: number;
  peakRssMB: number;
  /** The anonymous part of RSS at its peak (see proc-stats.ts `memory`). */
  peakAnonMB: number;
  cpuSecondsPer1k: number;
}

export interface ServerRun {
  label: string;
  round: number;
  /** RSS once ready, before any request. */
  idleRssMB: number;
  /** Of that, the anonymous part (the rest is pages of the executable, see proc-stats.ts). */
  idleAnonMB: number;
  /** RSS a few seconds after the last phase. */
  afterRssMB: number;
  phases: PhaseRow[];
}

export interface VersusRatio {
  peer: string;
  /** Ours / the peer's, median over rounds (lower is better for latency and memory). */
  p99Fresh16: number;
  p99After16: number;
  p999Fresh16: number;
  p999After16: number;
  perSecond64: number;
  peakRss: number;
  idleRss: number;
  /** Per round, for the record. */
  rounds: { p99Fresh16: number; p99After16: number; perSecond64: number }[];
}

export interface VersusResult {
  settings: VersusSettings;
  servers: { label: string; cmd: string[] }[];
  runs: ServerRun[];
  ratios: VersusRatio[];
}

export interface VersusSettings {
  rounds: number;
  warmupSeconds: number;
  freshSeconds: number;
  sustainedSeconds: number;
  afterSeconds: number;
}

export interface VersusOptions {
  wrkPath: string;
  nats: BenchNats;
  queue: string;
  /** Ours first; then the peers. */
  servers: { label: string; cmd: string[] }[];
  settings: VersusSettings;
  /** Empties the task store and the queue. */
  reset: () => Promise<void>;
  log: (msg: string) => void;
}

async function phase(
  o: VersusOptions,
  server: AjcServer,
  name: PhaseName,
  connections: number,
  seconds: number,
): Promise<PhaseRow> {
  const meter = new PhaseMeter(server.pid);
  const w = await runWrk(o.wrkPath, "post", `${server.base}/v1/tasks`, connections, seconds);
  const m = meter.stop();
  const secs = w.duration_us / 1e6;
  return {
    phase: name,
    connections,
    seconds: round(secs, 2),
    requests: w.requests,
    perSecond: round(w.requests / secs, 0),
    p50Ms: round(w.p50_us / 1000, 3),
    p99Ms: round(w.p99_us / 1000, 3),
    p999Ms: round(w.p999_us / 1000, 3),
    maxMs: round(w.max_us / 1000, 3),
    errors: w.status_errors + w.connect_errors + w.read_errors + w.write_errors + w.timeouts,
    peakRssMB: round(m.peakRssMB, 1),
    peakAnonMB: round(m.peakAnonMB, 1),
    cpuSecondsPer1k: w.requests > 0 ? round((m.cpuSeconds / w.requests) * 1000, 3) : 0,
  };
}

async function oneServer(
  o: VersusOptions,
  label: string,
  cmd: string[],
  roundNo: number,
): Promise<ServerRun> {
  await o.reset();
  await settle(o.nats.pid);
  const server = await startServer(cmd, o.nats.url, o.queue);
  try {
    // Start-up work (bytecode loading, the first NATS requests) settles within a second.
    await Bun.sleep(1_000);
    const idle = memory(server.pid);
    const idleRssMB = round(idle?.rssMB ?? 0, 1);
    const idleAnonMB = round(idle?.anonMB ?? 0, 1);
    const s = o.settings;
    await runWrk(o.wrkPath, "post", `${server.base}/v1/tasks`, 16, s.warmupSeconds);
    const phases = [
      await phase(o, server, "16 fresh", 16, s.freshSeconds),
      await phase(o, server, "64 sustained", 64, s.sustainedSeconds),
      await phase(o, server, "16 after 64", 16, s.afterSeconds),
    ];
    await Bun.sleep(3_000);
    const afterRssMB = round(memory(server.pid)?.rssMB ?? 0, 1);
    const p = (n: PhaseName) => phases.find((x) => x.phase === n)!;
    o.log(
      `  ${label} round ${roundNo}: idle ${idleRssMB} MB (${idleAnonMB} anonymous); 16 fresh p99 ${p("16 fresh").p99Ms} ms; 64: ${p("64 sustained").perSecond}/s, peak ${p("64 sustained").peakRssMB} MB; 16 after p99 ${p("16 after 64").p99Ms} ms (cpu ${cpuSeconds(server.pid)} s)`,
    );
    return { label, round: roundNo, idleRssMB, idleAnonMB, afterRssMB, phases };
  } finally {
    await server.close();
  }
}

/** The median, the mean of the middle two for an even count (two rounds: their mean, not the better one). */
function mid(values: number[]): number {
  if (values.length === 0) return 0;
  const v = [...values].sort((a, b) => a - b);
  const h = Math.floor(v.length / 2);
  return v.length % 2 === 1 ? v[h]! : (v[h - 1]! + v[h]!) / 2;
}

function ratiosOf(runs: ServerRun[], ours: string, peer: string): VersusRatio {
  const get = (r: ServerRun, n: PhaseName) => r.phases.find((p) => p.phase === n)!;
  const rounds = [...new Set(runs.map((r) => r.round))];
  const per = rounds.flatMap((n) => {
    const a = runs.find((r) => r.round === n && r.label === ours);
    const b = runs.find((r) => r.round === n && r.label === peer);
    return a && b ? [{ a, b }] : [];
  });
  const med = (f: (a: ServerRun, b: ServerRun) => number) => round(mid(per.map(({ a, b }) => f(a, b))), 2);
  const ratio = (x: number, y: number) => (y > 0 ? x / y : Number.POSITIVE_INFINITY);
  const peak = (r: ServerRun) => Math.max(...r.phases.map((p) => p.peakRssMB));
  return {
    peer,
    p99Fresh16: med((a, b) => ratio(get(a, "16 fresh").p99Ms, get(b, "16 fresh").p99Ms)),
    p99After16: med((a, b) => ratio(get(a, "16 after 64").p99Ms, get(b, "16 after 64").p99Ms)),
    p999Fresh16: med((a, b) => ratio(get(a, "16 fresh").p999Ms, get(b, "16 fresh").p999Ms)),
    p999After16: med((a, b) => ratio(get(a, "16 after 64").p999Ms, get(b, "16 after 64").p999Ms)),
    perSecond64: med((a, b) => ratio(get(a, "64 sustained").perSecond, get(b, "64 sustained").perSecond)),
    peakRss: med((a, b) => ratio(peak(a), peak(b))),
    idleRss: med((a, b) => ratio(a.idleRssMB, b.idleRssMB)),
    rounds: per.map(({ a, b }) => ({
      p99Fresh16: round(ratio(get(a, "16 fresh").p99Ms, get(b, "16 fresh").p99Ms), 2),
      p99After16: round(ratio(get(a, "16 after 64").p99Ms, get(b, "16 after 64").p99Ms), 2),
      perSecond64: round(ratio(get(a, "64 sustained").perSecond, get(b, "64 sustained").perSecond), 2),
    })),
  };
}

/** Runs every server through the phases, `rounds` times, alternating the order each round. */
export async function runVersus(o: VersusOptions): Promise<VersusResult> {
  const runs: ServerRun[] = [];
  for (let n = 1; n <= o.settings.rounds; n++) {
    const order = n % 2 === 1 ? o.servers : [...o.servers].reverse();
    for (const s of order) runs.push(await oneServer(o, s.label, s.cmd, n));
  }
  const ours = o.servers[0]!.label;
  return {
    settings: o.settings,
    servers: o.servers,
    runs,
    ratios: o.servers.slice(1).map((p) => ratiosOf(runs, ours, p.label)),
  };
}
