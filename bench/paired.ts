/**
 * The two ratio targets measured side by side: short rounds alternating the ceiling and the
 * product (A, B, A, B...), so that load from elsewhere on the machine hits both alike; the
 * target is checked against the median of the per-round ratios.
 */
import type { Ceiling } from "./ceiling.ts";
import { drain, type ProcessingOptions } from "./processing.ts";
import type { AjcServer } from "./server.ts";
import { median, round } from "./stats.ts";
import { runWrk } from "./wrk.ts";

export interface PairedRound {
  /** The ceiling's rate (per second). */
  ceiling: number;
  /** The product's rate (per second). */
  product: number;
  ratio: number;
}

export interface Paired {
  what: string;
  rounds: PairedRound[];
  medianRatio: number;
}

function paired(what: string, rounds: PairedRound[]): Paired {
  return { what, rounds, medianRatio: round(median(rounds.map((r) => r.ratio)), 2) };
}

/** Library enqueue at 64 in flight vs `POST /v1/tasks` at 64 connections, alternating. */
export async function pairedEnqueue(
  ceiling: Ceiling,
  wrkPath: string,
  server: AjcServer,
  rounds: number,
  seconds: number,
): Promise<Paired> {
  const out: PairedRound[] = [];
  for (let i = 0; i < rounds; i++) {
    const c = await ceiling.measure("nats", 64, seconds * 1000);
    const w = await runWrk(wrkPath, "post", `${server.base}/v1/tasks`, 64, seconds);
    const product = w.requests / (w.duration_us / 1e6);
    out.push({
      ceiling: c.load.perSecond,
      product: round(product, 0),
      ratio: round(product / c.load.perSecond, 3),
    });
  }
  return paired("HTTP POST /v1/tasks at 64 connections / NATS library enqueue at 64 in flight", out);
}

/** Raw pull-ack vs the TypeScript worker at the same concurrency, alternating. */
export async function pairedDrain(
  o: ProcessingOptions,
  concurrency: number,
  rounds: number,
): Promise<Paired> {
  const out: PairedRound[] = [];
  for (let i = 0; i < rounds; i++) {
    const raw = await drain(o, "raw", concurrency);
    const ts = await drain(o, "ts-worker", concurrency);
    out.push({
      ceiling: raw.perSecond,
      product: ts.perSecond,
      ratio: round(ts.perSecond / raw.perSecond, 3),
    });
  }
  return paired(`TS worker / raw pull-ack at concurrency ${concurrency}`, out);
}
