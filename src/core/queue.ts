/** The work queue model and its library JSON (durations as int64 nanoseconds). */
import { parseGoDuration } from "./duration.ts";
import { AjcError } from "./errors.ts";
import { assertQueueName } from "./names.ts";

/** A work queue's settings, as the Go library's `Queue` JSON. */
export interface Queue {
  name: string;
  /** Nanoseconds; 0 = unlimited. */
  max_age: number;
  /** 0 = unlimited. */
  max_entries: number;
  discard_old: boolean;
  /** -1 or 0 = unlimited. */
  max_tries: number;
  /** Nanoseconds a handler may run before the item is redelivered. */
  max_runtime: number;
  /** Handlers at once across all workers. */
  max_concurrent: number;
}

/** Where and how a queue's stream is stored (not part of the queue JSON). */
export interface StorageOptions {
  memory?: boolean;
  /** 1..5, default 1. */
  replicas?: number;
}

export const DEFAULT_QUEUE_MAX_RUNTIME_NS = 3_600_000_000_000;
export const DEFAULT_QUEUE_MAX_CONCURRENT = 100;
export const DEFAULT_QUEUE_NAME = "DEFAULT";

/** A queue with the library's defaults: unlimited age, entries and tries; 1h run time; 100 at once. */
export function defaultQueue(name: string): Queue {
  return {
    name,
    max_age: 0,
    max_entries: 0,
    discard_old: false,
    max_tries: -1,
    max_runtime: DEFAULT_QUEUE_MAX_RUNTIME_NS,
    max_concurrent: DEFAULT_QUEUE_MAX_CONCURRENT,
  };
}

/** The shortest max_age JetStream accepts for a stream (0 means no limit). */
export const MIN_QUEUE_MAX_AGE_NS = 100_000_000;

/** Queue settings as a caller gives them: durations as Go strings. */
export interface QueueSpec {
  name: string;
  max_age?: string;
  max_entries?: number;
  discard_old?: boolean;
  max_tries?: number;
  max_runtime?: string;
  max_concurrent?: number;
}

function nonNegativeInt(v: number | undefined, field: string, min = 0): number | undefined {
  if (v === undefined) return undefined;
  if (!Number.isSafeInteger(v) || v < min) {
    throw new AjcError("invalid_argument", `${field} must be an integer >= ${min}`, { field });
  }
  return v;
}

/** Validates a spec and resolves it against the defaults. */
export function resolveQueue(spec: QueueSpec): Queue {
  const q = defaultQueue(assertQueueName(spec.name));
  if (spec.max_age !== undefined) q.max_age = parseGoDuration(spec.max_age, "max_age");
  if (q.max_age < 0)
    throw new AjcError("invalid_duration", "max_age must not be negative", { field: "max_age" });
  if (q.max_age > 0 && q.max_age < MIN_QUEUE_MAX_AGE_NS) {
    throw new AjcError("invalid_duration", "max_age must be 0 (no limit) or at least 100ms", {
      field: "max_age",
    });
  }
  if (spec.max_runtime !== undefined) q.max_runtime = parseGoDuration(spec.max_runtime, "max_runtime");
  if (q.max_runtime <= 0 && spec.max_runtime !== undefined) {
    throw new AjcError("invalid_duration", "max_runtime must be positive", { field: "max_runtime" });
  }
  q.max_entries = nonNegativeInt(spec.max_entries, "max_entries") ?? q.max_entries;
  q.max_tries = nonNegativeInt(spec.max_tries, "max_tries") ?? q.max_tries;
  if (q.max_tries === 0) q.max_tries = -1;
  q.max_concurrent = nonNegativeInt(spec.max_concurrent, "max_concurrent", 1) ?? q.max_concurrent;
  if (spec.discard_old !== undefined) q.discard_old = spec.discard_old;
  return q;
}
