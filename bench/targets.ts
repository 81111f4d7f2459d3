/** The issue's targets (and the listing's "must"s), checked against one run's numbers. */
import type { CeilingResult } from "./ceiling.ts";
import type { ConsoleResult } from "./console.ts";
import type { HttpRow } from "./http-load.ts";
import type { ListingSize } from "./listing.ts";
import type { LiveResults } from "./live.ts";
import type { Paired } from "./paired.ts";
import type { DrainRow } from "./processing.ts";
import type { SoakResult } from "./soak.ts";
import type { StartupResult } from "./startup.ts";
import { median, round } from "./stats.ts";
import type { VersusResult } from "./versus.ts";

export type Verdict = "pass" | "fail" | "blocked" | "n/a";

export interface TargetCheck {
  target: string;
  measured: string;
  verdict: Verdict;
  note?: string;
}

export interface Measured {
  ceiling?: CeilingResult[];
  /** Library vs HTTP enqueue at 64, alternating rounds. */
  pairedEnqueue?: Paired;
  /** Raw pull-ack vs TS worker at 32, alternating rounds. */
  pairedDrain?: Paired;
  http?: { warmup: HttpRow; rows: HttpRow[] };
  /** The enqueue phases on ours and every peer (AJC_BENCH_PEER), interleaved. */
  versus?: VersusResult;
  soak?: SoakResult;
  listing?: ListingSize[];
  processing?: DrainRow[];
  startup?: StartupResult;
  console?: ConsoleResult;
  /** Part 7: events to 100 SSE clients, completion to waiting caller. */
  live?: LiveResults;
}

/** 499s the server logs when wrk closes its connections at the end of a run are not errors. */
export function httpErrors(r: HttpRow): number {
  const abandoned = r.statuses["499"] ?? 0;
  const logged = r.non2xxLogged - Math.min(abandoned, r.connections);
  return r.statusErrors + r.socketErrors + logged;
}

const verdict = (ok: boolean): Verdict => (ok ? "pass" : "fail");

/** `6,100/12,000/s; ...` for each round: product/ceiling. */
const rounds = (p: Paired) => p.rounds.map((r) => `${r.product}/${r.ceiling}/s`).join(", ");

/** Issue 20's targets: the enqueue phases beside the peers, memory, the soak. */
export function checkVersusTargets(m: Measured): TargetCheck[] {
  const out: TargetCheck[] = [];
  const v = m.versus;
  if (v) {
    const ours = v.runs.filter((r) => r.label === v.servers[0]!.label);
    const phase = (n: string) => ours.flatMap((r) => r.phases.filter((p) => p.phase === n));
    const peak64 = Math.max(...phase("64 sustained").map((p) => p.peakRssMB));
    const idle = median(ours.map((r) => r.idleRssMB));
    const peakAnon64 = Math.max(...phase("64 sustained").map((p) => p.peakAnonMB ?? 0));
    const idleAnon = median(ours.map((r) => r.idleAnonMB ?? 0));
    out.push({
      target: "peak RSS under the 64-connection load ≤ 90 MB",
      measured: `${peak64} MB (highest of ${ours.length} rounds; anonymous ${peakAnon64} MB)`,
      verdict: verdict(peak64 <= 90),
    });
    out.push({
      target: "idle RSS after start ≤ 45 MB",
      measured: `${idle} MB (median of ${ours.length} rounds; anonymous ${idleAnon} MB)`,
      verdict: verdict(idle <= 45),
    });
    const errors = v.runs.reduce((n, r) => n + r.phases.reduce((k, p) => k + p.errors, 0), 0);
    out.push({
      target: "no errors in the phases (every server)",
      measured: `${errors}`,
      verdict: verdict(errors === 0),
    });
    for (const r of v.ratios) {
      const self = r.peer.startsWith("ajc");
      const min = self ? 0.95 : 1.2;
      out.push({
        target: `p99 at 16 connections, fresh, ≤ ${r.peer}'s`,
        measured: `${r.p99Fresh16}× (rounds ${r.rounds.map((x) => x.p99Fresh16).join(", ")}); p99.9 ${r.p999Fresh16}×`,
        verdict: verdict(r.p99Fresh16 <= 1),
      });
      out.push({
        target: `p99 at 16 connections right after 64, ≤ ${r.peer}'s`,
        measured: `${r.p99After16}× (rounds ${r.rounds.map((x) => x.p99After16).join(", ")}); p99.9 ${r.p999After16}×`,
        verdict: verdict(r.p99After16 <= 1),
      });
      out.push({
        target: `req/s at 64 connections ≥ ${min}× ${r.peer}'s`,
        measured: `${r.perSecond64}× (rounds ${r.rounds.map((x) => x.perSecond64).join(", ")}); peak RSS ${r.peakRss}×`,
        verdict: verdict(r.perSecond64 >= min),
      });
    }
  }
  const s = m.soak;
  if (s) {
    out.push({
      target: "RSS flat (± 10 %) over the soak at constant load",
      measured: `${s.minutes} min: last minute / second minute ${s.trend}× (per minute ${s.minuteRssMB.join(", ")} MB; ${s.minRssMB}–${s.maxRssMB} MB); ${s.requests} requests, ${s.errors} errors`,
      verdict: verdict(Math.abs(s.trend - 1) <= 0.1 && s.errors === 0),
      note: s.minutes < 10 ? `shortened: ${s.minutes} of the 10 minutes` : undefined,
    });
  }
  return out;
}

export function checkTargets(m: Measured): TargetCheck[] {
  const out: TargetCheck[] = checkVersusTargets(m);
  if (!m.http) return out;
  const post = (c: number) => m.http?.rows.find((r) => r.route === "POST /v1/tasks" && r.connections === c);
  const ceil64 = m.ceiling?.find((r) => r.via === "nats" && r.load.inflight === 64);
  const post64 = post(64);
  if (m.pairedEnqueue) {
    const p = m.pairedEnqueue;
    out.push({
      target: "HTTP enqueue at 64 connections ≥ 0.6 × library ceiling at 64 in flight",
      measured: `median ${p.medianRatio}× over ${p.rounds.length} alternating rounds (${rounds(p)}); single rows: ${post64?.perSecond ?? "-"}/s vs ${ceil64?.load.perSecond ?? "-"}/s`,
      verdict: verdict(p.medianRatio >= 0.6),
    });
  } else if (ceil64 && post64) {
    const ratio = post64.perSecond / ceil64.load.perSecond;
    out.push({
      target: "HTTP enqueue at 64 connections ≥ 0.6 × library ceiling at 64 in flight",
      measured: `${post64.perSecond}/s vs ${ceil64.load.perSecond}/s = ${round(ratio, 2)}×`,
      verdict: verdict(ratio >= 0.6),
    });
  } else out.push({ target: "HTTP enqueue at 64 ≥ 0.6 × ceiling", measured: "-", verdict: "n/a" });

  const post16 = post(16);
  out.push(
    post16
      ? {
          target: "p99 of POST /v1/tasks at 16 connections ≤ 10 ms",
          measured: `${post16.p99Ms} ms`,
          verdict: verdict(post16.p99Ms <= 10),
        }
      : { target: "p99 of POST at 16 connections ≤ 10 ms", measured: "-", verdict: "n/a" },
  );

  const errs: string[] = [];
  let total = 0;
  for (const r of m.ceiling ?? []) {
    total += r.load.errors;
    if (r.load.errors) errs.push(`ceiling ${r.via}@${r.load.inflight}: ${r.load.errors}`);
  }
  for (const r of m.http?.rows ?? []) {
    const e = httpErrors(r);
    total += e;
    if (e) errs.push(`${r.route}@${r.connections}: ${e}`);
  }
  for (const s of m.listing ?? []) {
    for (const r of s.rows) {
      total += r.errors;
      if (r.errors) errs.push(`${r.request}@${s.storeSize}: ${r.errors}`);
    }
  }
  for (const r of m.processing ?? []) {
    total += r.failed + (r.tasks - r.completed - r.failed);
    if (r.completed !== r.tasks)
      errs.push(`${r.mode}@${r.concurrency}: ${r.tasks - r.completed} not complete`);
  }
  out.push({
    target: "no errors at any level",
    measured: total === 0 ? "0 errors" : errs.join("; "),
    verdict: verdict(total === 0),
  });

  const loadPeak = m.http ? Math.max(m.http.warmup.peakRssMB, ...m.http.rows.map((r) => r.peakRssMB)) : 0;
  out.push(
    m.http
      ? {
          target: "server peak RSS ≤ 150 MB under load",
          measured: `${loadPeak} MB`,
          verdict: verdict(loadPeak <= 150),
        }
      : { target: "server peak RSS ≤ 150 MB under load", measured: "-", verdict: "n/a" },
  );

  const big = m.listing?.at(-1);
  if (big) {
    const full = big.fullNdjsonOverHttp;
    const lib = big.libraryStream;
    out.push({
      target: `server peak RSS ≤ 150 MB while streaming ${big.storeSize.toLocaleString("en-US")} tasks`,
      measured: full.capped
        ? `not possible over HTTP: ?stream=ndjson&limit=${full.asked} returned ${full.returned}; server ${big.serverPeakRssMB} MB while listing; the same stream without HTTP: ${lib.tasks} tasks, peak ${lib.peakRssMB} MB`
        : `${full.serverPeakRssMB} MB while streaming ${full.returned.toLocaleString("en-US")} tasks over HTTP in ${round(full.ms / 1000, 1)} s (${big.serverPeakRssMB} MB over the whole listing phase)`,
      verdict: full.capped ? "blocked" : verdict(full.serverPeakRssMB <= 150 && big.serverPeakRssMB <= 150),
      note: full.capped
        ? "the server caps limit at 1,000 for ndjson too, so the full stream cannot be asked for"
        : undefined,
    });
  }

  const raw32 = m.processing?.find((r) => r.mode === "raw" && r.concurrency === 32);
  const ts32 = m.processing?.find((r) => r.mode === "ts-worker" && r.concurrency === 32);
  if (m.pairedDrain) {
    const p = m.pairedDrain;
    out.push({
      target: "TypeScript worker (no-op) ≥ 0.5 × raw pull-ack at concurrency 32",
      measured: `median ${p.medianRatio}× over ${p.rounds.length} alternating rounds (${rounds(p)}); single rows: ${ts32?.perSecond ?? "-"}/s vs ${raw32?.perSecond ?? "-"}/s`,
      verdict: verdict(p.medianRatio >= 0.5),
    });
  } else if (raw32 && ts32) {
    const ratio = ts32.perSecond / raw32.perSecond;
    out.push({
      target: "TypeScript worker (no-op) ≥ 0.5 × raw pull-ack at concurrency 32",
      measured: `${ts32.perSecond}/s vs ${raw32.perSecond}/s = ${round(ratio, 2)}×`,
      verdict: verdict(ratio >= 0.5),
    });
  } else out.push({ target: "TS worker ≥ 0.5 × raw pull-ack at 32", measured: "-", verdict: "n/a" });

  const go32 = m.processing?.find((r) => r.mode === "go-worker" && r.concurrency === 32);
  out.push(
    go32 && ts32
      ? {
          target: "TypeScript worker (no-op) ≥ 0.8 × the Go asyncjobs worker at concurrency 32",
          measured: `${ts32.perSecond}/s vs ${go32.perSecond}/s = ${round(ts32.perSecond / go32.perSecond, 2)}× (peak RSS ${ts32.peakRssMB ?? "-"} MB vs ${go32.peakRssMB ?? "-"} MB)`,
          verdict: verdict(ts32.perSecond / go32.perSecond >= 0.8),
        }
      : {
          target: "TypeScript worker (no-op) ≥ 0.8 × the Go asyncjobs worker at concurrency 32",
          measured: "-",
          verdict: "n/a",
          note: "no Go toolchain: the Go worker was not built",
        },
  );

  out.push(
    m.startup
      ? {
          target: "start-up to ready ≤ 300 ms",
          measured: `median ${m.startup.medianReadyMs} ms of ${m.startup.runs}`,
          verdict: verdict(m.startup.medianReadyMs <= 300),
        }
      : { target: "start-up to ready ≤ 300 ms", measured: "-", verdict: "n/a" },
  );

  out.push(
    m.console
      ? {
          target: "console overview's first render ≤ 300 ms on loopback",
          measured: `median ${m.console.medianFirstVisitMs} ms first visit, ${m.console.medianRepeatVisitMs} ms repeat, of ${m.console.runs}`,
          verdict: verdict(m.console.medianFirstVisitMs <= 300),
        }
      : {
          target: "console overview's first render ≤ 300 ms on loopback",
          measured: "-",
          verdict: "n/a",
          note: "no Chromium at /usr/bin/chromium",
        },
  );

  const [small, large] = [m.listing?.[0], m.listing?.at(-1)];
  if (small && large && small !== large) {
    const page = (s: ListingSize) => s.rows.find((r) => r.request.includes("stream=ndjson"))!.medianMs;
    const pageRatio = page(large) / page(small);
    out.push({
      target: "listing 1,000 tasks costs the same whatever the store size (ratio ≤ 1.5)",
      measured: `ndjson limit=1000: ${page(small)} ms at ${small.storeSize}, ${page(large)} ms at ${large.storeSize} (${round(pageRatio, 2)}×)`,
      verdict: verdict(pageRatio <= 1.5),
    });
    const overHttp = !small.fullNdjsonOverHttp.capped && !large.fullNdjsonOverHttp.capped;
    const perTask = (s: ListingSize) =>
      overHttp
        ? s.fullNdjsonOverHttp.ms / 1000 / s.fullNdjsonOverHttp.returned
        : s.libraryStream.seconds / s.libraryStream.tasks;
    const rate = (s: ListingSize) => Math.round(1 / perTask(s));
    const costRatio = perTask(large) / perTask(small);
    out.push({
      target:
        "full stream cost grows at most linearly with tasks returned (per-task cost at the larger size ≤ 1.5×)",
      measured: `${rate(small)}/s for ${small.storeSize}, ${rate(large)}/s for ${large.storeSize} (per-task ${round(costRatio, 2)}×)`,
      verdict: verdict(costRatio <= 1.5),
      note: overHttp
        ? "?stream=ndjson&limit=<store size> over HTTP"
        : "library path (no HTTP): the server did not stream every task",
    });
    const memRatio = large.libraryStream.peakRssMB / small.libraryStream.peakRssMB;
    const serverRatio = large.serverPeakRssMB / small.serverPeakRssMB;
    const streamRatio = overHttp
      ? large.fullNdjsonOverHttp.serverPeakRssMB / small.fullNdjsonOverHttp.serverPeakRssMB
      : 1;
    out.push({
      target: "memory does not grow with the store size (peak ratio ≤ 1.25)",
      measured: `server while listing: ${small.serverPeakRssMB} → ${large.serverPeakRssMB} MB${overHttp ? `; server while streaming every task: ${small.fullNdjsonOverHttp.serverPeakRssMB} → ${large.fullNdjsonOverHttp.serverPeakRssMB} MB` : ""}; same stream without HTTP: ${small.libraryStream.peakRssMB} → ${large.libraryStream.peakRssMB} MB peak, ${small.libraryStream.afterGcRssMB} → ${large.libraryStream.afterGcRssMB} MB after GC`,
      // The server is the product; the child process (the same stream without HTTP) stood in for it
      // while the server could not stream every task, and is judged only then.
      verdict: verdict(serverRatio <= 1.25 && streamRatio <= 1.25 && (overHttp || memRatio <= 1.25)),
    });
  }
  return out;
}
