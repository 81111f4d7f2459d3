/**
 * `GET /v1/events`: Server-Sent Events of task changes (`task`, read from the task store from a
 * stream sequence on, see store/task-changes.ts) and of the asyncjobs lifecycle events
 * (`task_state`, `leader_elected`, from core NATS). Every event's `id:` is a task-store sequence:
 * for a `task` event the sequence it was stored at, for a lifecycle event the newest sequence the
 * stream had read when it was sent. So `Last-Event-ID` always resumes the task feed where the client
 * left it, and the client misses no task's latest state (lifecycle events are best effort, as in
 * Go: one published while no stream was open is not replayed).
 *
 * The stream's write deadline is lifted (it runs until the client leaves, the server stops, or
 * the client is cut off as too slow); the number of open streams is limited.
 */
import { AjcError } from "../../core/errors.ts";
import { encodeTask } from "../../core/task.ts";
import type { ApiDeps, Handler, RequestContext } from "../context.ts";
import {
  type EventFilter,
  lifecycleKind,
  lifecycleMatches,
  parseEventFilter,
  taskMatches,
} from "../event-filter.ts";
import { sendError } from "../respond.ts";
import type { Router } from "../router.ts";
import { EventStream } from "../sse.ts";

/** Default most open event streams per server. */
export const DEFAULT_MAX_EVENT_STREAMS = 100;
/** Default time between heartbeat comments on a quiet stream. */
export const DEFAULT_HEARTBEAT_MS = 15_000;
/** Default unsent bytes a stream may hold before its client is cut off as too slow. */
export const DEFAULT_EVENT_BUFFER_BYTES = 1024 * 1024;
/** Default time a client may leave its buffer full before it is cut off. */
export const DEFAULT_EVENT_STALL_MS = 10_000;
/** Seconds a refused caller is told to wait. */
export const EVENTS_RETRY_AFTER_S = 5;

/** How event streams are bounded. */
export interface EventLimits {
  /** Aborted when the server shuts down: open streams end with `end` (`server_shutdown`). */
  stopping: AbortSignal;
  maxStreams: number;
  heartbeatMs: number;
  maxBufferBytes: number;
  /** How long a client may leave its buffer full before it is cut off. */
  stallMs: number;
}

/** Open streams, for metrics. */
export interface EventStreamCount {
  readonly open: number;
}

function lastEventId(ctx: RequestContext): string | undefined {
  const v = ctx.req.headers["last-event-id"];
  return Array.isArray(v) ? v[0] : v;
}

/** Registers the route; returns the live count of open streams. */
export function eventRoutes(router: Router<Handler>, deps: ApiDeps, limits: EventLimits): EventStreamCount {
  const { client } = deps;
  let open = 0;

  const serve = async (ctx: RequestContext, f: EventFilter) => {
    const ac = new AbortController();
    const stop = () => ac.abort();
    ctx.res.once("close", stop);
    limits.stopping.addEventListener("abort", stop, { once: true });
    try {
      // Opened before answering, so a storage failure still gets the error envelope.
      const feed = await client.watchTaskChanges({
        afterSeq: f.afterSeq,
        taskIds: f.taskIds,
        signal: ac.signal,
      });
      const lifecycle = f.kinds.has("task_state") || f.kinds.has("leader_elected");
      const events = lifecycle ? client.watchEvents({ signal: ac.signal }) : undefined;
      const stream = new EventStream(ctx.res, {
        maxBufferBytes: limits.maxBufferBytes,
        heartbeatMs: limits.heartbeatMs,
        onEnd: (reason) => {
          deps.metrics.streamEnds.inc({ reason });
          if (reason === "slow_client") deps.log.warn("event stream cut off: the client did not keep up");
        },
      });
      const onStop = () => {
        if (limits.stopping.aborted)
          stream.end("server_shutdown", "the server is shutting down", feed.cursor);
      };
      limits.stopping.addEventListener("abort", onStop, { once: true });
      if (limits.stopping.aborted) onStop();
      const pumpTasks = async () => {
        for await (const c of feed.changes()) {
          if (stream.done) break;
          if (!f.kinds.has("task") || !taskMatches(f, c.task)) continue;
          if (!stream.send("task", c.seq, encodeTask(c.task))) break;
          // Pull no more from the store until the client has read what it was sent.
          if (stream.backlogged && !(await stream.drained(limits.stallMs))) {
            stream.cutOff(feed.cursor);
            break;
          }
        }
      };
      const pumpLifecycle = async () => {
        if (!events) return;
        for await (const { event } of events) {
          if (stream.done) break;
          const kind = lifecycleKind(event.type);
          if (kind === undefined || !lifecycleMatches(f, kind, event as Record<string, unknown>)) continue;
          if (!stream.send(kind, feed.cursor, JSON.stringify(event))) break;
        }
      };
      const failed = (err: unknown) => {
        if (stream.done) return;
        deps.log.warn("event stream failed", { error: (err as Error).message });
        stream.end(
          "storage_failed",
          "reading the task store failed; reconnect with Last-Event-ID",
          feed.cursor,
        );
      };
      await Promise.all([pumpTasks().catch(failed), pumpLifecycle().catch(failed)]).finally(() => {
        limits.stopping.removeEventListener("abort", onStop);
      });
      if (!stream.done) failed(new Error("the task feed ended"));
      await stream.closed;
    } finally {
      ac.abort();
      ctx.res.off("close", stop);
      limits.stopping.removeEventListener("abort", stop);
    }
  };

  router.add("GET", "/v1/events", async (ctx) => {
    const f = parseEventFilter(ctx.query, lastEventId(ctx));
    if (open >= limits.maxStreams) {
      deps.metrics.rejected.inc({ reason: "too_many_streams" });
      const err = new AjcError(
        "too_many_streams",
        `at most ${limits.maxStreams} event streams may be open at once`,
      );
      sendError(ctx.res, err, { "retry-after": String(EVENTS_RETRY_AFTER_S) });
      return;
    }
    open++;
    ctx.extendDeadline(Number.POSITIVE_INFINITY);
    try {
      await serve(ctx, f);
    } finally {
      open--;
    }
  });
  return {
    get open() {
      return open;
    },
  };
}
