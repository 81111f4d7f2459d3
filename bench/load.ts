/** A closed-loop load: `inflight` lanes each run `op` back to back until the time is up. */
import { percentile, round } from "./stats.ts";

export interface LoadResult {
  inflight: number;
  ops: number;
  errors: number;
  seconds: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** CPU of this process (the load generator and client) per 1,000 operations. */
  cpuSecondsPer1k: number;
  firstError?: string;
}

export async function closedLoop(
  inflight: number,
  durationMs: number,
  op: () => Promise<unknown>,
): Promise<LoadResult> {
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  const cpu0 = process.cpuUsage();
  const started = performance.now();
  const deadline = started + durationMs;
  const lane = async () => {
    while (performance.now() < deadline) {
      const t = performance.now();
      try {
        await op();
        latencies.push(performance.now() - t);
      } catch (err) {
        errors++;
        firstError ??= String(err);
      }
    }
  };
  await Promise.all(Array.from({ length: inflight }, lane));
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const out: LoadResult = {
    inflight,
    ops: latencies.length,
    errors,
    seconds: round(seconds, 3),
    perSecond: round(latencies.length / seconds, 0),
    p50Ms: round(percentile(latencies, 50), 3),
    p99Ms: round(percentile(latencies, 99), 3),
    cpuSecondsPer1k: latencies.length > 0 ? round((cpu.user + cpu.system) / 1e3 / latencies.length, 3) : 0,
  };
  if (firstError) out.firstError = firstError;
  return out;
}
