/** The Go library's named retry policies and its jittered back-off. */
import { AjcError } from "./errors.ts";

/** A retry policy: back-off intervals in nanoseconds plus a jitter factor. */
export interface RetryPolicy {
  name: string;
  intervals: number[];
  jitter: number;
}

const SECOND = 1_000_000_000;
const MINUTE = 60 * SECOND;

function linear(name: string, steps: number, min: number, max: number, jitter: number): RetryPolicy {
  const step = Math.floor((max - min) / steps);
  return { name, intervals: Array.from({ length: steps }, (_, i) => min + i * step), jitter };
}

const TEN_MINUTES = linear("10m", 50, MINUTE, 10 * MINUTE, 0.9);

/** All named policies; `default` is the same as `10m`. */
export const RETRY_POLICIES: Readonly<Record<string, RetryPolicy>> = {
  "10m": TEN_MINUTES,
  "1h": linear("1h", 20, 10 * MINUTE, 60 * MINUTE, 0.9),
  "1m": linear("1m", 20, SECOND, MINUTE, 0.5),
  default: { ...TEN_MINUTES, name: "default" },
};

/** The policies sorted by name, as `GET /v1/retry-policies` lists them. */
export function listRetryPolicies(): RetryPolicy[] {
  return Object.keys(RETRY_POLICIES)
    .sort()
    .map((k) => RETRY_POLICIES[k]!);
}

/** Looks a policy up by name (`unknown_retry_policy` otherwise). */
export function retryPolicy(name: string): RetryPolicy {
  const p = Object.hasOwn(RETRY_POLICIES, name) ? RETRY_POLICIES[name] : undefined;
  if (!p) throw new AjcError("unknown_retry_policy", `unknown retry policy "${name}"`, { field: "backoff" });
  return p;
}

/**
 * The delay in nanoseconds before try `n` (0-based): interval d = intervals[min(n, len-1)], then
 * d * jitter + random[0, d), rounded to the millisecond; interval[0] when that comes to 0.
 * `random` returns [0, 1).
 */
export function retryDelay(policy: RetryPolicy, n: number, random: () => number = Math.random): number {
  const last = policy.intervals.length - 1;
  const d = policy.intervals[Math.max(0, Math.min(n, last))]!;
  if (d === 0) return policy.intervals[0]!;
  const jittered = d * policy.jitter + Math.floor(random() * d);
  const delay = Math.round(jittered / 1_000_000) * 1_000_000;
  return delay === 0 ? policy.intervals[0]! : delay;
}
