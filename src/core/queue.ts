/** The work queue model and its library JSON (durations as int64 nanoseconds). */
import { parseGoDuration } from "./duration.ts";
import { AjcError } from "./errors.ts";
import { assertQueueName } from "./names.ts";

/** A work queue's settings, as the Go library's `Queue` JSON. */
export interface Queue {
  name: string;
  /** Nanoseconds; 0 = unlimited. */
  max_age: number;
  /** -1 = unlimited (JetStream's own value, which the Go library reports too). */
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
export interface QueueStorage {
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
    max_entries: -1,
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

/**
 * The settings of the `DEFAULT` queue when a server or tool creates it unasked, as the Go library's
 * client does: a 1 minute run time and 100 tries (unlike a queue created by name).
 */
export function implicitDefaultQueue(): Queue {
  return { ...defaultQueue(DEFAULT_QUEUE_NAME), max_runtime: 60_000_000_000, max_tries: 100 };
}

function integer(v: number | undefined, field: string): number | undefined {
  if (v !== undefined && !Number.isSafeInteger(v)) {
    throw new AjcError("invalid_argument", `${field} must be an integer`, { field });
  }
  return v;
}

/**
 * Validates a spec and resolves it against the defaults. As the Go library does, `max_tries` and
 * `max_entries` of 0 or below mean unlimited (stored as -1), `max_concurrent` 0 and `max_runtime`
 * "0s" mean the default, and a negative `max_age` means no limit: settings a Go client sends (or
 * copies from a queue's answer, which reports -1) are accepted.
 */
export function resolveQueue(spec: QueueSpec): Queue {
  const q = defaultQueue(assertQueueName(spec.name));
  if (spec.max_age !== undefined) q.max_age = Math.max(parseGoDuration(spec.max_age, "max_age"), 0);
  if (q.max_age > 0 && q.max_age < MIN_QUEUE_MAX_AGE_NS) {
    throw new AjcError("invalid_duration", "max_age must be 0 (no limit) or at least 100ms", {
      field: "max_age",
    });
  }
  if (spec.max_runtime !== undefined) {
    const ns = parseGoDuration(spec.max_runtime, "max_runtime");
    if (ns < 0)
      throw new AjcError("invalid_duration", "max_runtime must not be negative", { field: "max_runtime" });
    if (ns > 0) q.max_runtime = ns;
  }
  const entries = integer(spec.max_entries, "max_entries");
  if (entries !== undefined) q.max_entries = entries > 0 ? entries : -1;
  const tries = integer(spec.max_tries, "max_tries");
  if (tries !== undefined) q.max_tries = tries > 0 ? tries : -1;
  const concurrent = integer(spec.max_concurrent, "max_concurrent");
  if (concurrent !== undefined && concurrent < 0) {
    throw new AjcError("invalid_argument", "max_concurrent must not be negative", {
      field: "max_concurrent",
    });
  }
  if (concurrent) q.max_concurrent = concurrent;
  if (spec.discard_old !== undefined) q.discard_old = spec.discard_old;
  return q;
}
