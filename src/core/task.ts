/**
 * The task model and its JSON encoding, byte-compatible in shape with the Go library's `Task`:
 * the same keys, in the same order, with the same omitempty rules.
 */
import { AjcError } from "./errors.ts";
import { assertName } from "./names.ts";
import { formatTimeMs, isTime, timeMs } from "./time.ts";

/** Every task state, in the Go library's order. */
export const TASK_STATES = [
  "new",
  "active",
  "retry",
  "expired",
  "terminated",
  "complete",
  "queue_error",
  "blocked",
  "unreachable",
] as const;
export type TaskState = (typeof TASK_STATES)[number];

/** Tasks in these states never run again unless retried by hand. */
export const END_STATES: readonly TaskState[] = ["complete", "expired", "terminated", "unreachable"];

/** True for a state in END_STATES: a work item of such a task is acknowledged, never run. */
export function isEndState(state: TaskState): boolean {
  return END_STATES.includes(state);
}

/** Parses a state name; `completed` is accepted as a synonym of `complete`. */
export function parseTaskState(s: string): TaskState | undefined {
  if (s === "completed") return "complete";
  return (TASK_STATES as readonly string[]).includes(s) ? (s as TaskState) : undefined;
}

/** A handler's result as stored on the task. */
export interface TaskResult {
  /** Any JSON value the handler returned. */
  payload: unknown;
  /** RFC 3339 completion time. */
  completed: string;
}

/**
 * A task as stored in `CHORIA_AJ_TASKS`. Times are RFC 3339 strings, kept exactly as read (Go
 * writes nanoseconds); `payload` is the base64 text of the payload bytes, or null.
 */
export interface Task {
  id: string;
  type: string;
  queue: string;
  dependencies?: string[];
  dependency_results?: Record<string, TaskResult>;
  load_dependencies?: boolean;
  payload: string | null;
  deadline?: string;
  max_tries: number;
  result?: TaskResult;
  state: TaskState;
  created: string;
  tried?: string;
  tries: number;
  last_err?: string;
  signature?: string;
  /**
   * Our addition (RFC 3339): no worker receives the task before this time. Go's Task has no such
   * key and drops it when a Go worker saves the task, which only happens once it is due.
   */
  run_at?: string;
}

/** The Go library's default for a task's max tries. */
export const DEFAULT_TASK_MAX_TRIES = 10;

/** Encodes a task as the Go library does: key order and omitempty rules preserved. */
export function encodeTask(t: Task): string {
  const o: Record<string, unknown> = { id: t.id, type: t.type, queue: t.queue };
  if (t.dependencies && t.dependencies.length > 0) o.dependencies = t.dependencies;
  if (t.dependency_results && Object.keys(t.dependency_results).length > 0) {
    o.dependency_results = t.dependency_results;
  }
  if (t.load_dependencies) o.load_dependencies = true;
  o.payload = t.payload;
  if (t.deadline) o.deadline = t.deadline;
  o.max_tries = t.max_tries;
  if (t.result) o.result = t.result;
  o.state = t.state;
  o.created = t.created;
  if (t.tried) o.tried = t.tried;
  o.tries = t.tries;
  if (t.last_err) o.last_err = t.last_err;
  if (t.signature) o.signature = t.signature;
  if (t.run_at) o.run_at = t.run_at;
  return JSON.stringify(o);
}

/**
 * A copy of `t` to hold beside its encoding: `encodedStill` then tells whether that encoding still
 * describes `t` (so a saved task's JSON can answer the request without a second encode).
 */
export function taskSnapshot(t: Task): Task {
  const s = { ...t };
  if (t.dependencies) s.dependencies = [...t.dependencies];
  return s;
}

/**
 * True when `t` has the fields `snapshot` had: every field compared, dependencies item by item; a
 * task with a result or dependency results (objects that can change in place) never matches.
 */
export function encodedStill(snapshot: Task, t: Task): boolean {
  if (
    t.id !== snapshot.id ||
    t.type !== snapshot.type ||
    t.queue !== snapshot.queue ||
    t.payload !== snapshot.payload ||
    t.state !== snapshot.state ||
    t.created !== snapshot.created ||
    t.tries !== snapshot.tries ||
    t.max_tries !== snapshot.max_tries ||
    t.deadline !== snapshot.deadline ||
    t.tried !== snapshot.tried ||
    t.last_err !== snapshot.last_err ||
    t.signature !== snapshot.signature ||
    t.run_at !== snapshot.run_at ||
    t.load_dependencies !== snapshot.load_dependencies ||
    t.result !== undefined ||
    t.dependency_results !== undefined ||
    snapshot.result !== undefined ||
    snapshot.dependency_results !== undefined
  ) {
    return false;
  }
  const a = t.dependencies;
  const b = snapshot.dependencies;
  if (a === undefined || b === undefined) return a === b;
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

function corrupt(why: string): AjcError {
  return new AjcError("internal", `corrupt task: ${why}`);
}

/** Decodes a stored task (Go's or ours), checking the shape so later code can trust it. */
export function decodeTask(text: string): Task {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new AjcError("internal", "corrupt task: invalid JSON", { cause: err });
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw corrupt("not an object");
  const r = raw as Record<string, unknown>;
  if (typeof r.id !== "string" || r.id === "") throw corrupt("missing id");
  if (typeof r.type !== "string") throw corrupt("missing type");
  const state = typeof r.state === "string" ? parseTaskState(r.state) : undefined;
  if (!state) throw corrupt(`unknown state ${JSON.stringify(r.state)}`);
  if (typeof r.created !== "string") throw corrupt("missing created");
  const t: Task = {
    id: r.id,
    type: r.type,
    queue: typeof r.queue === "string" ? r.queue : "",
    payload: typeof r.payload === "string" ? r.payload : null,
    max_tries: typeof r.max_tries === "number" ? r.max_tries : 0,
    state,
    created: r.created,
    tries: typeof r.tries === "number" ? r.tries : 0,
  };
  if (Array.isArray(r.dependencies) && r.dependencies.length > 0) t.dependencies = r.dependencies.map(String);
  if (r.dependency_results && typeof r.dependency_results === "object") {
    t.dependency_results = r.dependency_results as Record<string, TaskResult>;
  }
  if (r.load_dependencies === true) t.load_dependencies = true;
  if (typeof r.deadline === "string") t.deadline = r.deadline;
  if (r.result && typeof r.result === "object") t.result = r.result as TaskResult;
  if (typeof r.tried === "string") t.tried = r.tried;
  if (typeof r.last_err === "string" && r.last_err !== "") t.last_err = r.last_err;
  if (typeof r.signature === "string" && r.signature !== "") t.signature = r.signature;
  if (typeof r.run_at === "string" && r.run_at !== "") t.run_at = r.run_at;
  return t;
}

/** Options for a new task. */
export interface NewTaskOptions {
  /** Fixed id (a caller that signs must know it); default a new ULID. */
  id?: string;
  /** Fixed RFC 3339 creation time; default now. */
  created?: string;
  /** Absolute RFC 3339 deadline to start the task by. */
  deadline?: string;
  /** Default 10. */
  maxTries?: number;
  dependencies?: string[];
  loadDependencies?: boolean;
  signature?: string;
  /**
   * No worker receives the task before this time (see `Task.run_at`): RFC 3339, or a Date. In
   * the past it means now.
   */
  runAt?: string | Date;
}

/** The first instant a `run_at` cannot name: 10000-01-01T00:00:00Z. */
const MAX_RUN_AT_MS = Date.UTC(10000, 0, 1);

/** Builds a new task (state `new`, or `blocked` when it has dependencies). */
export function newTask(
  type: string,
  payload: string | null,
  opts: NewTaskOptions,
  make: { id: () => string; now: () => string },
): Task {
  assertName(type, "task_type_invalid", "task type", "type");
  const id = opts.id ?? make.id();
  assertName(id, "task_id_invalid", "task id", "id");
  if (opts.created !== undefined && !isTime(opts.created)) {
    throw new AjcError("invalid_argument", "created must be an RFC 3339 timestamp", { field: "created" });
  }
  if (opts.deadline !== undefined && !isTime(opts.deadline)) {
    throw new AjcError("invalid_argument", "deadline must be an RFC 3339 timestamp", { field: "deadline" });
  }
  const runAt = opts.runAt instanceof Date ? formatTimeMs(opts.runAt.getTime()) : opts.runAt;
  if (runAt !== undefined && !isTime(runAt)) {
    throw new AjcError("invalid_argument", "run_at must be an RFC 3339 timestamp", { field: "run_at" });
  }
  // The wake-up's `@at` is a four-digit-year RFC 3339 time in UTC (an offset can push past 9999).
  if (runAt && timeMs(runAt) >= MAX_RUN_AT_MS) {
    throw new AjcError("invalid_argument", "run_at must be before the year 10000 (UTC)", { field: "run_at" });
  }
  // A task that may not start before its deadline could only expire.
  if (runAt && opts.deadline && timeMs(runAt) > timeMs(opts.deadline)) {
    throw new AjcError("run_at_after_deadline", `run_at ${runAt} is after the deadline ${opts.deadline}`, {
      field: "run_at",
    });
  }
  const maxTries = opts.maxTries ?? DEFAULT_TASK_MAX_TRIES;
  // 0 or below is no limit: workers (Go's and ours) never expire such a task for its tries, and the
  // Go server takes it as given.
  if (!Number.isSafeInteger(maxTries)) {
    throw new AjcError("invalid_argument", "max_tries must be an integer", { field: "max_tries" });
  }
  const deps = opts.dependencies ?? [];
  for (const d of deps) assertName(d, "task_id_invalid", "dependency id", "dependencies");
  const t: Task = {
    id,
    type,
    queue: "",
    payload,
    max_tries: maxTries,
    state: deps.length > 0 ? "blocked" : "new",
    created: opts.created ?? make.now(),
    tries: 0,
  };
  // Each dependency once, in the order first given, as the Go library keeps them.
  if (deps.length > 0) t.dependencies = [...new Set(deps)];
  if (opts.loadDependencies) t.load_dependencies = true;
  if (opts.deadline) t.deadline = opts.deadline;
  if (opts.signature) t.signature = opts.signature;
  if (runAt) t.run_at = runAt;
  return t;
}

/** Base64 of a JSON value's compact text: how a JSON payload is stored. */
export function payloadFromJson(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString("base64");
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Checks a caller's base64 payload (standard alphabet, padded), as Go's `[]byte` decoding does. */
export function assertBase64(s: unknown, field: string): string {
  if (typeof s !== "string" || !BASE64.test(s)) {
    throw new AjcError("invalid_payload", `${field} must be standard padded base64`, { field });
  }
  return s;
}

/** The payload's bytes. */
export function payloadBytes(t: { payload: string | null }): Uint8Array {
  return t.payload === null ? new Uint8Array(0) : Buffer.from(t.payload, "base64");
}

/** True while the task waits for its `run_at` (in a state a worker would run it from). */
export function isWaiting(t: Task, nowMs: number): boolean {
  return t.run_at !== undefined && (t.state === "new" || t.state === "blocked") && timeMs(t.run_at) > nowMs;
}
