/**
 * The console's only way to the server: the public HTTP API, same-origin. Every request with a
 * body says `Content-Type: application/json` (the server refuses others with 415). An answer that
 * is not 2xx becomes an ApiError carrying the envelope's message, reason and field, for the page to
 * show; nothing is swallowed here.
 */

/** The task states the API knows. */
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

export interface TaskResult {
  payload: unknown;
  completed: string;
}

export interface Task {
  id: string;
  type: string;
  queue: string;
  dependencies?: string[];
  dependency_results?: Record<string, TaskResult>;
  load_dependencies?: boolean;
  payload: string | null;
  deadline?: string;
  /** ajc addition: no worker receives the task before this time. */
  run_at?: string;
  max_tries: number;
  result?: TaskResult;
  state: TaskState;
  created: string;
  tried?: string;
  tries: number;
  last_err?: string;
  signature?: string;
}

export interface QueueInfo {
  name: string;
  time?: string;
  max_age?: number;
  max_entries?: number;
  discard_old?: boolean;
  max_tries?: number;
  max_runtime?: number;
  max_concurrent?: number;
  entries?: number;
  bytes?: number;
  in_flight?: number;
  memory?: boolean;
  replicas?: number;
}

export interface Schedule {
  name: string;
  schedule: string;
  queue: string;
  task_type: string;
  payload?: string;
  deadline?: number;
  max_tries: number;
  created_at: string;
  /** True while paused (an ajc addition); absent while active. */
  paused?: boolean;
  paused_at?: string;
}

export interface Readiness {
  ready: boolean;
  checks: Record<string, { ok: boolean; error?: string }>;
}

export interface Info {
  version: string;
  auth: string;
  queue_count?: number;
  task_count?: number;
  /** The leading cron scheduler's name; absent when none leads. */
  scheduler_leader?: string;
}

export interface BulkRetryResult {
  id: string;
  status: "ok" | "not_found" | "failed";
  error?: string;
}

/** A refused or failed request: the envelope's fields, or what went wrong on the way. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code: string,
    readonly reason: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

/** A 429 for a concurrent task listing is retried this many times, after Retry-After. */
const LIST_BUSY_RETRIES = 5;

/** Sends a request; the answer's text when its status is 2xx or in `okStatuses`, else the envelope as an ApiError. */
async function send(
  method: string,
  path: string,
  body?: unknown,
  okStatuses: number[] = [],
): Promise<string> {
  for (let attempt = 0; ; attempt++) {
    let res: Response;
    let text: string;
    try {
      res = await fetch(path, {
        method,
        headers:
          body === undefined
            ? { accept: "application/json" }
            : { accept: "application/json", "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
        credentials: "same-origin",
      });
      if (res.status === 429 && attempt < LIST_BUSY_RETRIES) {
        await res.body?.cancel();
        const after = Number(res.headers.get("retry-after") ?? "1");
        await new Promise((r) => setTimeout(r, Math.min(Math.max(after, 0.2), 2) * 1000));
        continue;
      }
      text = await res.text();
    } catch (err) {
      // Also a listing the server cut short (it closes the connection rather than send half of one).
      throw new ApiError(
        0,
        `the server cannot be reached: ${(err as Error).message}`,
        "unavailable",
        "network",
      );
    }
    if (res.ok || okStatuses.includes(res.status)) return text;
    throw envelopeError(res.status, text);
  }
}

async function request<T>(
  method: string,
  path: string,
  body?: unknown,
  okStatuses: number[] = [],
): Promise<T> {
  const text = await send(method, path, body, okStatuses);
  return (text === "" ? undefined : JSON.parse(text)) as T;
}

function envelopeError(status: number, text: string): ApiError {
  try {
    const e = JSON.parse(text).error;
    if (e && typeof e.message === "string") {
      return new ApiError(status, e.message, e.code ?? "", e.details?.reason ?? "", e.details?.field);
    }
  } catch {
    // not the envelope: shown as it came
  }
  return new ApiError(status, text.slice(0, 500) || `HTTP ${status}`, "", `http_${status}`);
}

const enc = encodeURIComponent;

/** Runs `call` again after a second while the server says another listing runs (429). */
async function whenNotBusy<T>(call: () => Promise<T>): Promise<T> {
  for (let tries = 1; ; tries++) {
    try {
      return await call();
    } catch (err) {
      if (!(err instanceof ApiError) || err.status !== 429 || tries > BUSY_RETRIES) throw err;
      await new Promise((r) => setTimeout(r, 1_000));
    }
  }
}

/** The most tasks one JSON listing returns: one page. */
export const LIST_JSON_MAX = 1000;
/** The most tasks the console reads at once (page after page, by the API's cursor). */
export const LIST_MAX = 10_000;
/** How often a page refused because another listing runs (429) is asked again. */
const BUSY_RETRIES = 5;

/** The listing filters the API offers. */
export interface TaskFilter {
  states?: string[];
  queue?: string;
  type?: string;
  /** RFC 3339. */
  createdSince?: string;
  limit?: number;
}

export function taskQuery(f: TaskFilter): string {
  const q = new URLSearchParams();
  for (const s of f.states ?? []) q.append("state", s);
  if (f.queue) q.set("queue", f.queue);
  if (f.type) q.set("type", f.type);
  if (f.createdSince) q.set("created_since", f.createdSince);
  q.set("limit", String(f.limit ?? 1000));
  return q.toString();
}

export const api = {
  readyz: () => request<Readiness>("GET", "/readyz", undefined, [503]),
  info: () => request<Info>("GET", "/v1/info"),
  /**
   * Reads up to `f.limit` tasks from the store (filters apply to what was read), oldest first, one
   * JSON page of at most LIST_JSON_MAX after another by the `next` cursor. Each page is a short
   * request, so a long read never holds the server's one listing slot for long. A task that
   * changed while the pages were read comes again on a later page; its later copy wins.
   */
  listTasks: async (f: TaskFilter): Promise<Task[]> => {
    const want = f.limit ?? LIST_JSON_MAX;
    const byId = new Map<string, Task>();
    let after: string | undefined;
    for (let read = 0; read < want; ) {
      const limit = Math.min(LIST_JSON_MAX, want - read);
      const path = `/v1/tasks?${taskQuery({ ...f, limit })}${after === undefined ? "" : `&after=${enc(after)}`}`;
      const page = await whenNotBusy(() => request<{ tasks: Task[]; next?: string }>("GET", path));
      for (const t of page.tasks) {
        byId.delete(t.id);
        byId.set(t.id, t);
      }
      if (page.next === undefined) break;
      after = page.next;
      read += limit;
    }
    return [...byId.values()];
  },
  getTask: (id: string) => request<Task>("GET", `/v1/tasks/${enc(id)}`),
  retryTask: (id: string) => request<Task>("POST", `/v1/tasks/${enc(id)}/retry`),
  deleteTask: (id: string) => request<void>("DELETE", `/v1/tasks/${enc(id)}`),
  retryTasks: (ids: string[]) =>
    request<{ results: BulkRetryResult[] }>("POST", "/v1/tasks/retry", { ids }).then((r) => r.results),
  listQueues: () => request<{ queues: QueueInfo[] }>("GET", "/v1/queues").then((r) => r.queues),
  createQueue: (q: Record<string, unknown>) => request<QueueInfo>("POST", "/v1/queues", q),
  purgeQueue: (name: string) => request<void>("POST", `/v1/queues/${enc(name)}/purge`),
  deleteQueue: (name: string) => request<void>("DELETE", `/v1/queues/${enc(name)}`),
  listSchedules: () => request<{ schedules: Schedule[] }>("GET", "/v1/schedules").then((r) => r.schedules),
  createSchedule: (s: Record<string, unknown>) => request<Schedule>("POST", "/v1/schedules", s),
  /** Replaces a schedule: the create body without `name`. */
  replaceSchedule: (name: string, s: Record<string, unknown>) =>
    request<Schedule>("PUT", `/v1/schedules/${enc(name)}`, s),
  pauseSchedule: (name: string) => request<Schedule>("POST", `/v1/schedules/${enc(name)}/pause`),
  resumeSchedule: (name: string) => request<Schedule>("POST", `/v1/schedules/${enc(name)}/resume`),
  /** Enqueues the schedule's task once, now; the task created. */
  triggerSchedule: (name: string) => request<Task>("POST", `/v1/schedules/${enc(name)}/trigger`),
  deleteSchedule: (name: string) => request<void>("DELETE", `/v1/schedules/${enc(name)}`),
};

/** The most ids one bulk retry may name (the API's limit). */
export const BULK_RETRY_MAX = 100;
