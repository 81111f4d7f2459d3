/**
 * One soak: mixed traffic against the compiled server (enqueue 70%, get 20%, list 5%,
 * retry/delete 5%) while `ajc task process` drains the queue, on a private nats-server. Returns
 * what happened, judged by no one: soak.test.ts (short, in `npm test`) asserts that nothing was
 * lost and memory stayed bounded; soak.ts (`npm run soak`) also judges the rate and the memory
 * trend, which only mean something on a longer run and an unloaded machine.
 */
import { Client } from "../../src/client.ts";
import type { Task } from "../../src/core/task.ts";
import { ajcBinary, runAjc, spawnAjc } from "../helpers/binary.ts";
import { startNats } from "../helpers/nats.ts";
import { type Outcome, report, ServerProcess, timedCall, until, vmRssKb } from "../helpers/reliability.ts";

export interface SoakOptions {
  seconds: number;
  /** Requests a second in the paced run. */
  rate: number;
  /** Requests sent as fast as they go before the paced run (see the warm-up below). */
  warmUpRequests: number;
  /** Picks the mix of requests: the same seed replays a run's mix. */
  seed: number;
}

export interface SoakResult {
  /** The server still running, as the same process. */
  serverAlive: boolean;
  /** Answers that are errors for their kind of request (a 429 on a concurrent listing is not). */
  errors: string[];
  /** Tasks not accounted for: acknowledged and missing, unfinished, or deleted and still there. */
  problems: string[];
  acknowledged: number;
  completed: number;
  deleted: number;
  lost: number;
  /** Requests of the paced run (after the warm-up burst). */
  paced: number;
  /** Memory: samples after warm-up, the averages of their first and last thirds, the peak. */
  rss: { warmSamples: number; firstKb: number; lastKb: number; peakKb: number; allowedGrowthKb: number };
}

export const CLIENTS = 8;

/**
 * Memory is judged after a warm-up: a burst of warm-up requests first (Bun's heap grows to its
 * working size over the first few thousand requests, then stays there), then the first 20% of the
 * paced run or its first minute, whichever is longer, but at most a third of it.
 */
const warmUpMs = (runMs: number) => Math.max(runMs * 0.2, Math.min(60_000, runMs / 3));
/**
 * How much the average RSS of the last third of the samples may exceed the first third's: 25% or
 * 20 MiB, whichever is less (in practice 20 MiB: the server sits at 80-110 MiB). Why that much:
 * the garbage collector runs when it likes and the allocator keeps freed pages, so a healthy
 * server's RSS saws up and down by ~20 MiB (83-107 MiB over a 240s run at 100/s, no trend);
 * averaging over a third of the run smooths most of that. Without the warm-up burst, 60s runs
 * grew 2-20 MiB between the thirds as the heap found its size; with it, within ±2 MiB. What it
 * catches: a build that kept 8 KiB per request grew 30 MiB between the thirds of a 60s run and
 * fails; anything kept per connection or per response body is at least that. What it does not:
 * a few KiB or less per request hides in a minute's noise and needs the long run
 * (AJC_SOAK_SECONDS=600), where the same margin is small against ten minutes of growth. (Not
 * "whichever is more": a leak inflates the first third too, and 25% of that let the 8 KiB leak
 * through.)
 */
const RSS_GROWTH_SHARE = 0.25;
const RSS_GROWTH_MAX_KB = 20 * 1024;

/** A small seeded PRNG (mulberry32), so a run's mix can be replayed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Kind = "enqueue" | "get" | "list" | "retry" | "delete";

interface Sample {
  kind: Kind;
  o: Outcome;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

const avg = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / Math.max(1, xs.length);

/** Why an answer counts as an error for its kind of request (undefined: it is an expected one). */
function errorOf(kind: Kind, o: Outcome): string | undefined {
  if (o.contract) return o.contract;
  if (o.status === 0) return `no answer: ${o.error}`;
  const reason = o.body?.error?.details?.reason;
  const ok: Record<Kind, (s: number) => boolean> = {
    enqueue: (s) => s === 201,
    get: (s) => s === 200,
    // One listing at a time: a concurrent one is told to come back.
    list: (s) => s === 200 || (s === 429 && reason === "list_in_progress"),
    // The worker may be running the task, or saving it right now.
    retry: (s) =>
      s === 200 || (s === 409 && (reason === "task_already_active" || reason === "task_update_conflict")),
    delete: (s) => s === 204 || (s === 409 && reason === "task_update_conflict"),
  };
  return ok[kind](o.status) ? undefined : `${o.status} ${reason ?? ""}`;
}

/** Starts nats-server, the server and a worker, runs the soak, reports its figures, stops them. */
export async function runSoak(opts: SoakOptions): Promise<SoakResult> {
  ajcBinary();
  const nats = await startNats();
  let server: ServerProcess | undefined;
  let worker: ReturnType<typeof spawnAjc> | undefined;
  let client: Client | undefined;
  try {
    const env = { NATS_URL: nats.url };
    const added = await runAjc(["queue", "add", "SOAK", "--run-time", "30s"], { env });
    if (added.code !== 0) throw new Error(`queue add SOAK failed: ${added.stderr}`);
    server = await ServerProcess.start(nats.url, ["--queue", "SOAK"]);
    worker = spawnAjc(["task", "process", "", "SOAK", "8", "/bin/true"], { env });
    await worker.waitFor("Processing");
    client = await Client.connect({ connection: { servers: nats.url } });
    return await traffic(opts, server, client);
  } finally {
    await worker?.stop("SIGKILL");
    await client?.close().catch(() => {});
    await server?.kill9();
    await nats.close();
  }
}

async function traffic(opts: SoakOptions, server: ServerProcess, client: Client): Promise<SoakResult> {
  const { seconds, rate, seed } = opts;
  const random = prng(seed);
  const base = server.url;
  const pid = server.pid;
  const samples: Sample[] = [];
  /** Ids acknowledged (201) and not picked for deletion: what get and retry pick from. */
  const live: string[] = [];
  const acked = new Set<string>();
  const deleted = new Set<string>();
  const deleteRefused = new Set<string>();
  const pick = () => (live.length === 0 ? undefined : live[Math.floor(random() * live.length)]);

  const one = async (n: number): Promise<void> => {
    const r = random() * 100;
    let kind: Kind = r < 70 ? "enqueue" : r < 90 ? "get" : r < 95 ? "list" : r < 97.5 ? "retry" : "delete";
    const id = kind === "enqueue" || kind === "list" ? undefined : pick();
    if (id === undefined && kind !== "list") kind = "enqueue";
    let o: Outcome;
    switch (kind) {
      case "enqueue": {
        const headers: Record<string, string> = n % 2 ? { "Idempotency-Key": `soak-${seed}-${n}` } : {};
        o = await timedCall(base, "POST", "/v1/tasks", {
          json: { type: `soak:${n % 3}`, payload: { n, pad: "x".repeat(n % 512) } },
          headers,
        });
        if (o.status === 201) {
          live.push(o.body.id);
          acked.add(o.body.id);
        }
        break;
      }
      case "get":
        o = await timedCall(base, "GET", `/v1/tasks/${id}`);
        break;
      case "list":
        o = await timedCall(base, "GET", `/v1/tasks?limit=50${n % 2 ? "&state=complete" : ""}`);
        break;
      case "retry":
        o = await timedCall(base, "POST", `/v1/tasks/${id}/retry`);
        break;
      case "delete": {
        live.splice(live.indexOf(id!), 1);
        o = await timedCall(base, "DELETE", `/v1/tasks/${id}`);
        if (o.status === 204) deleted.add(id!);
        else deleteRefused.add(id!);
        break;
      }
    }
    samples.push({ kind, o });
  };

  let n = 0;
  // Warm-up: a burst of the same mix, as fast as 16 clients go, brings the server's heap to its
  // working size (and past its first full collection) before memory is watched.
  const burstStarted = Date.now();
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (n < opts.warmUpRequests && Date.now() - burstStarted < 30_000) await one(n++);
    }),
  );
  const burstMs = Date.now() - burstStarted;
  const burst = samples.length;

  const rss: { at: number; kb: number }[] = [];
  const started = Date.now();
  const end = started + seconds * 1000;
  const sampler = setInterval(() => {
    try {
      rss.push({ at: Date.now() - started, kb: vmRssKb(pid) });
    } catch {
      // the process is gone: serverAlive says so
    }
  }, 500);
  // Pacing, not a wait for something to happen: each client sends one request per interval.
  const interval = (1000 * CLIENTS) / rate;
  const maxPerClient = Math.ceil((seconds * rate) / CLIENTS) + 1;
  await Promise.all(
    Array.from({ length: CLIENTS }, async (_, c) => {
      await Bun.sleep((interval * c) / CLIENTS);
      for (let i = 0; i < maxPerClient && Date.now() < end; i++) {
        const t0 = Date.now();
        await one(n++);
        const wait = interval - (Date.now() - t0);
        if (wait > 0) await Bun.sleep(wait);
      }
    }),
  );
  clearInterval(sampler);
  const loadMs = Date.now() - started;

  // The worker drains what is left.
  await until(
    "the worker to drain the queue",
    async () => {
      const q = await client.queueInfo("SOAK");
      return q.entries === 0 && q.in_flight === 0;
    },
    60_000,
  );

  // Accounting: every acknowledged task is complete (the queue is drained), except those deleted.
  const stored = new Map<string, Task>();
  for await (const t of client.listTasks()) stored.set(t.id, t);
  const problems: string[] = [];
  let completed = 0;
  let lost = 0;
  for (const id of acked) {
    const t = stored.get(id);
    if (deleted.has(id)) {
      if (t) problems.push(`${id}: deleted (204) but still stored as ${t.state}`);
      continue;
    }
    if (!t) {
      lost++;
      problems.push(`${id}: acknowledged, never deleted, missing`);
    } else if (t.state === "complete") completed++;
    else {
      lost++;
      problems.push(`${id}: ${t.state} with the queue drained`);
    }
  }

  const errors = samples.map((s) => ({ s, e: errorOf(s.kind, s.o) })).filter((x) => x.e !== undefined);
  const byKind = (k: Kind) => samples.filter((s) => s.kind === k);
  const latency = (k: Kind) => {
    const ms = byKind(k)
      .map((s) => s.o.ms)
      .sort((a, b) => a - b);
    return `p50 ${percentile(ms, 50).toFixed(1)}ms p99 ${percentile(ms, 99).toFixed(1)}ms max ${percentile(ms, 100).toFixed(1)}ms`;
  };
  const warm = rss.filter((r) => r.at >= warmUpMs(loadMs));
  const third = Math.floor(warm.length / 3);
  const firstKb = avg(warm.slice(0, third).map((r) => r.kb));
  const lastKb = avg(warm.slice(warm.length - third).map((r) => r.kb));
  const peakKb = Math.max(0, ...rss.map((r) => r.kb));
  const allowedKb = Math.min(firstKb * RSS_GROWTH_SHARE, RSS_GROWTH_MAX_KB);
  const statuses: Record<string, number> = {};
  for (const s of samples) statuses[s.o.status] = (statuses[s.o.status] ?? 0) + 1;

  report(`soak: ${seconds}s at ${rate}/s, ${CLIENTS} clients, seed ${seed}`, {
    requests: samples.length,
    warmUpBurst: `${burst} requests in ${(burstMs / 1000).toFixed(1)}s`,
    achievedRate: (samples.length - burst) / (loadMs / 1000),
    enqueue: byKind("enqueue").length,
    get: byKind("get").length,
    list: byKind("list").length,
    retry: byKind("retry").length,
    delete: byKind("delete").length,
    statuses: JSON.stringify(statuses),
    "429 (list in progress)": samples.filter((s) => s.o.status === 429).length,
    errors: errors.length,
    "5xx": samples.filter((s) => s.o.status >= 500).length,
    acknowledged: acked.size,
    completed,
    deleted: deleted.size,
    deleteRefused: deleteRefused.size,
    lost,
    rssFirstThirdMiB: firstKb / 1024,
    rssLastThirdMiB: lastKb / 1024,
    rssPeakMiB: peakKb / 1024,
    rssAllowedGrowthMiB: allowedKb / 1024,
    rssSamples: rss.length,
    rssEvery5sMiB: rss
      .filter((_, i) => i % 10 === 0)
      .map((r) => (r.kb / 1024).toFixed(0))
      .join(" "),
    enqueueLatency: latency("enqueue"),
    getLatency: latency("get"),
    listLatency: latency("list"),
  });
  if (errors.length > 0) console.log(errors.slice(0, 10).map((x) => `  ${x.s.kind}: ${x.e}`));
  if (problems.length > 0) console.log(problems.slice(0, 10));

  return {
    serverAlive: server.running && server.pid === pid,
    errors: errors.map((x) => `${x.s.kind}: ${x.e}`),
    problems,
    acknowledged: acked.size,
    completed,
    deleted: deleted.size,
    lost,
    paced: samples.length - burst,
    rss: { warmSamples: warm.length, firstKb, lastKb, peakKb, allowedGrowthKb: allowedKb },
  };
}
