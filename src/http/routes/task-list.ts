/**
 * `GET /v1/tasks`: a snapshot of the task store, streamed as it is read (JSON or NDJSON) so memory
 * stays bounded however many tasks exist. JSON returns at most 1000 tasks, and a `next` cursor
 * (the task-store sequence of the last task read) when more are stored after them, which
 * `after=` continues from; NDJSON streams up to
 * 10,000,000. One listing runs at a time (each opens a JetStream consumer); others get 429. A
 * listing ends within about 60 seconds, when the client goes away, or when the server shuts down.
 */
import type { ServerResponse } from "node:http";
import type { TaskChange } from "../../client.ts";
import { AjcError } from "../../core/errors.ts";
import { encodeTask, isWaiting, parseTaskState, type Task, type TaskState } from "../../core/task.ts";
import { parseTimeNs } from "../../core/time.ts";
import type { ApiDeps, Handler } from "../context.ts";
import { sendError } from "../respond.ts";
import type { Router } from "../router.ts";

export const LIST_DEFAULT_LIMIT = 200;
/** The most tasks one JSON listing returns (the reference API's maximum). */
export const LIST_MAX_LIMIT = 1000;
/**
 * The most tasks one NDJSON stream reads. A stream is written as it is read, one batch in memory
 * at a time, so its size is not what bounds it: the listing's time limit (about 60 seconds) is.
 */
export const LIST_NDJSON_MAX_LIMIT = 10_000_000;
/** How long one listing may run by default. */
export const LIST_MAX_DURATION_MS = 60_000;
/** Seconds a refused caller is told to wait. */
export const LIST_RETRY_AFTER_S = 1;
/** JSON listings are written in chunks of about this many characters. */
const JSON_CHUNK = 16_384;

/** A parsed listing query. */
export interface ListQuery {
  limit: number;
  states?: Set<TaskState>;
  queue?: string;
  type?: string;
  createdSinceNs?: bigint;
  /** Only tasks still waiting for their `run_at` (true), or only the others (false). */
  waiting?: boolean;
  /** Continue after this cursor (a task-store sequence from an earlier page's `next`). */
  afterSeq?: number;
  ndjson: boolean;
}

/** Parses and checks the query string of a listing. */
export function parseListQuery(query: string): ListQuery {
  const p = new URLSearchParams(query);
  const q: ListQuery = { limit: LIST_DEFAULT_LIMIT, ndjson: false };
  const limit = p.get("limit");
  if (limit !== null) {
    // Any whole number: above the maximum is lowered to it below, however many digits it has.
    if (!/^\d+$/.test(limit) || Number(limit) < 1) {
      throw new AjcError("limit_invalid", "limit must be a whole number of at least 1", { field: "limit" });
    }
    q.limit = Number(limit);
  }
  const states = p.getAll("state");
  if (states.length > 0) {
    q.states = new Set();
    for (const s of states) {
      const state = parseTaskState(s);
      if (!state)
        throw new AjcError("invalid_argument", `unknown task state ${JSON.stringify(s)}`, { field: "state" });
      q.states.add(state);
    }
  }
  const queue = p.get("queue");
  if (queue) q.queue = queue;
  const type = p.get("type");
  if (type) q.type = type;
  const since = p.get("created_since");
  if (since !== null) {
    const ns = parseTimeNs(since);
    if (ns === undefined) {
      throw new AjcError("invalid_argument", "created_since must be an RFC 3339 time", {
        field: "created_since",
      });
    }
    q.createdSinceNs = ns;
  }
  const waiting = p.get("waiting");
  if (waiting !== null) {
    if (waiting !== "true" && waiting !== "false")
      throw new AjcError("invalid_argument", "waiting must be true or false", { field: "waiting" });
    q.waiting = waiting === "true";
  }
  const after = p.get("after");
  if (after !== null) {
    if (!/^\d{1,15}$/.test(after)) {
      throw new AjcError("invalid_argument", "after must be a cursor from an earlier page's next", {
        field: "after",
      });
    }
    q.afterSeq = Number(after);
  }
  const stream = p.get("stream");
  if (stream !== null) {
    if (stream !== "ndjson")
      throw new AjcError("invalid_argument", "stream must be ndjson", { field: "stream" });
    q.ndjson = true;
  }
  // Above the maximum is quietly lowered to it: 1000 for JSON, 10,000,000 for NDJSON.
  q.limit = Math.min(q.limit, q.ndjson ? LIST_NDJSON_MAX_LIMIT : LIST_MAX_LIMIT);
  return q;
}

function matches(q: ListQuery, t: Task, nowMs = Date.now()): boolean {
  if (q.waiting !== undefined && isWaiting(t, nowMs) !== q.waiting) return false;
  if (q.states && !q.states.has(t.state)) return false;
  if (q.queue !== undefined && t.queue !== q.queue) return false;
  if (q.type !== undefined && t.type !== q.type) return false;
  if (q.createdSinceNs !== undefined && (parseTimeNs(t.created) ?? -1n) < q.createdSinceNs) return false;
  return true;
}

/** Writes, waiting for the socket to drain when its buffer is full. */
async function write(res: ServerResponse, chunk: string): Promise<void> {
  if (res.write(chunk) || res.destroyed) return;
  await new Promise<void>((resolve) => {
    const done = () => {
      res.off("drain", done);
      res.off("close", done);
      resolve();
    };
    res.on("drain", done);
    res.on("close", done);
  });
}

/** How listings are bounded. */
export interface ListLimits {
  /** Aborted when the server shuts down: running listings end at once. */
  stopping: AbortSignal;
  /** How long one listing may read. */
  maxDurationMs: number;
  /** Extra time to finish writing after reading stopped. */
  writeTimeoutMs: number;
}

/** Registers the listing. */
export function taskListRoute(router: Router<Handler>, deps: ApiDeps, limits: ListLimits): void {
  const { stopping } = limits;
  let busy = false;

  router.add("GET", "/v1/tasks", async (ctx) => {
    const q = parseListQuery(ctx.query);
    if (busy) {
      deps.metrics.rejected.inc({ reason: "list_in_progress" });
      sendError(
        ctx.res,
        new AjcError("list_in_progress", "another task listing is running, try again shortly"),
        {
          "retry-after": String(LIST_RETRY_AFTER_S),
        },
      );
      return;
    }
    busy = true;
    const ac = new AbortController();
    const stop = () => ac.abort();
    const timer = setTimeout(stop, limits.maxDurationMs);
    ctx.res.once("close", stop);
    stopping.addEventListener("abort", stop, { once: true });
    ctx.extendDeadline(limits.maxDurationMs + limits.writeTimeoutMs);
    let it: AsyncIterator<TaskChange> | undefined;
    try {
      it = deps.client
        .listTaskEntries({ limit: q.limit, signal: ac.signal, afterSeq: q.afterSeq })
        [Symbol.asyncIterator]();
      // Read before answering, so a storage failure still gets a proper error response.
      let next = await it.next();
      const { res } = ctx;
      res.writeHead(200, {
        "content-type": q.ndjson ? "application/x-ndjson" : "application/json; charset=utf-8",
      });
      let count = 0;
      let read = 0;
      let lastSeq = q.afterSeq ?? 0;
      let buf = q.ndjson ? "" : '{"tasks":[';
      try {
        for (; !next.done && !res.destroyed; next = await it.next()) {
          read++;
          lastSeq = next.value.seq;
          if (!matches(q, next.value.task)) continue;
          const json = encodeTask(next.value.task);
          if (q.ndjson) {
            await write(res, `${json}\n`);
          } else {
            buf += count === 0 ? json : `,${json}`;
            if (buf.length >= JSON_CHUNK) {
              await write(res, buf);
              buf = "";
            }
          }
          count++;
        }
      } catch (err) {
        // Half a listing must not look like a whole one: cut the connection.
        deps.log.warn("task listing failed mid-stream", { error: (err as Error).message });
        res.destroy();
        return;
      }
      if (q.ndjson) {
        res.end(buf);
        return;
      }
      // The read stopped at the limit with more stored after it: the page says where to go on.
      let more = false;
      if (read >= q.limit && !res.destroyed) {
        more = await deps.client.lastTaskSeq().then(
          (last) => last > lastSeq,
          () => true,
        );
      }
      res.end(`${buf}],"count":${count}${more ? `,"next":"${lastSeq}"` : ""}}`);
    } finally {
      clearTimeout(timer);
      stopping.removeEventListener("abort", stop);
      ctx.res.off("close", stop);
      await it?.return?.();
      busy = false;
    }
  });
}
