/** Task endpoints: create (with Idempotency-Key and caller signing), get, delete, retry, bulk retry. */
import { AjcError, isReason } from "../../core/errors.ts";
import type { Task } from "../../core/task.ts";
import { parseTimeNs } from "../../core/time.ts";
import type { ApiDeps, Handler, RequestContext } from "../context.ts";
import { ANY, BOOLEAN, decodeObject, INTEGER, parseObject, type Shape, STRING, STRINGS } from "../decode.ts";
import { checkIdempotencyKey, fingerprint, IDEMPOTENCY_HEADER, Idempotency } from "../idempotency.ts";
import { sendEmpty, sendJson } from "../respond.ts";
import type { Router } from "../router.ts";
import { preferredWaitSeconds, type TaskWaiters } from "../wait.ts";
import { payloadOf } from "./payload.ts";

const CREATE_TASK = {
  type: { type: STRING, required: "task_type_invalid" },
  queue: { type: STRING },
  payload: { type: ANY },
  payload_base64: { type: STRING },
  deadline: { type: STRING },
  run_at: { type: STRING },
  max_tries: { type: INTEGER },
  dependencies: { type: STRINGS },
  load_dependencies: { type: BOOLEAN },
  signature: { type: STRING },
  id: { type: STRING },
  created: { type: STRING },
} satisfies Shape;

const BULK_RETRY = { ids: { type: STRINGS, required: "ids_required" } } satisfies Shape;

/** Most ids one bulk retry may name. */
export const BULK_RETRY_MAX_IDS = 100;

/** The path of a task, as the Location header gives it. */
export function taskLocation(id: string): string {
  return `/v1/tasks/${encodeURIComponent(id)}`;
}

/** Answers with a task; `json` is its encoding (`client.taskJson`, reused from the save when it can be). */
function sendTask(ctx: RequestContext, status: number, task: Task, json: string, location?: boolean): void {
  sendJson(ctx.res, status, json, location ? { location: taskLocation(task.id) } : undefined);
}

function headerValue(ctx: RequestContext, name: string): string | undefined {
  const v = ctx.req.headers[name];
  return Array.isArray(v) ? v.join(", ") : v;
}

/** How `Prefer: wait=N` is served. */
export interface WaitOptions {
  waiters: TaskWaiters;
  /** The longest wait granted; longer ones are shortened to it. */
  maxWaitMs: number;
  /** Time to write the answer once the wait is over. */
  writeTimeoutMs: number;
  /** Aborted when the server shuts down: waits end at once with the task as it is. */
  stopping: AbortSignal;
}

/** Registers the task routes except the listing (see task-list.ts). */
export function taskRoutes(router: Router<Handler>, deps: ApiDeps, wait: WaitOptions): void {
  const { client } = deps;
  const idempotency = new Idempotency(client);

  /**
   * Holds the answer while the client asked to wait (`Prefer: wait=N`) and the task has not
   * ended; answers with the task as it then is, with `Preference-Applied`.
   */
  const answer = async (ctx: RequestContext, status: number, task: Task, location?: boolean) => {
    const seconds = preferredWaitSeconds(ctx.req.headers.prefer);
    if (seconds === undefined) {
      sendTask(ctx, status, task, client.taskJson(task), location);
      return;
    }
    const granted = Math.min(seconds * 1000, wait.maxWaitMs);
    ctx.extendDeadline(granted + wait.writeTimeoutMs);
    const left = new AbortController();
    const onClose = () => left.abort();
    ctx.res.once("close", onClose);
    wait.stopping.addEventListener("abort", onClose, { once: true });
    let now: Task;
    try {
      now = await wait.waiters.wait(task, granted, left.signal);
    } finally {
      ctx.res.off("close", onClose);
      wait.stopping.removeEventListener("abort", onClose);
    }
    const headers: Record<string, string> = {
      "preference-applied": `wait=${Math.floor(granted / 1000)}`,
      vary: "Prefer",
    };
    if (location) headers.location = taskLocation(now.id);
    sendJson(ctx.res, status, client.taskJson(now), headers);
  };

  const create: Handler = async (ctx) => {
    const header = headerValue(ctx, IDEMPOTENCY_HEADER);
    const key = header === undefined ? undefined : checkIdempotencyKey(header);
    const raw = parseObject(ctx.body);
    const body = decodeObject(raw, CREATE_TASK);
    // The Go server decodes the time with the JSON, so a bad one is its `invalid_json`.
    if (body.deadline !== undefined && parseTimeNs(body.deadline) === undefined) {
      throw new AjcError("invalid_json", "deadline must be an RFC 3339 time", { field: "deadline" });
    }
    if (body.run_at !== undefined && parseTimeNs(body.run_at) === undefined) {
      throw new AjcError("invalid_json", "run_at must be an RFC 3339 time", { field: "run_at" });
    }
    const task = client.newTask(body.type, payloadOf(body), {
      id: body.id,
      created: body.created,
      deadline: body.deadline,
      runAt: body.run_at,
      maxTries: body.max_tries,
      dependencies: body.dependencies,
      loadDependencies: body.load_dependencies,
      signature: body.signature,
    });
    if (task.deadline && parseTimeNs(task.deadline)! <= BigInt(client.now()) * 1_000_000n) {
      throw new AjcError("task_past_deadline", `deadline ${task.deadline} has passed`, { field: "deadline" });
    }
    const queue = body.queue || deps.queue;
    const enqueue = async (t: Task) => {
      const stored = await client.enqueue(t, queue, { requireQueue: true });
      deps.metrics.enqueued.inc({ queue });
      return stored;
    };
    if (key === undefined) {
      const stored = await enqueue(task);
      await answer(ctx, 201, stored, true);
      return;
    }
    const r = await idempotency.create(key, fingerprint(raw), task, body.id !== undefined, enqueue);
    if (r.replayed) deps.metrics.replays.inc({});
    await answer(ctx, r.replayed ? 200 : 201, r.task, true);
  };

  const bulkRetry: Handler = async (ctx) => {
    const { ids } = decodeObject(parseObject(ctx.body), BULK_RETRY);
    if (ids.length === 0)
      throw new AjcError("ids_required", "ids must name at least one task", { field: "ids" });
    if (ids.length > BULK_RETRY_MAX_IDS) {
      throw new AjcError("ids_too_many", `at most ${BULK_RETRY_MAX_IDS} ids per request`, { field: "ids" });
    }
    client.assertConnected();
    const results: { id: string; status: "ok" | "not_found" | "failed"; error?: string }[] = [];
    for (const id of ids) {
      try {
        await client.retryTask(id);
        results.push({ id, status: "ok" });
      } catch (err) {
        const known = err instanceof AjcError && err.code !== "internal";
        results.push({
          id,
          status: isReason(err, "task_not_found") ? "not_found" : "failed",
          // The Go server's words for a missing task; the id is in the result already.
          error: !known ? "internal error" : isReason(err, "task_not_found") ? "task not found" : err.message,
        });
      }
    }
    sendJson(ctx.res, 200, JSON.stringify({ results }));
  };

  router
    .add("POST", "/v1/tasks", create)
    .add("POST", "/v1/tasks/retry", bulkRetry)
    .add("GET", "/v1/tasks/{id}", async (ctx) => {
      const task = await client.loadTask(ctx.params.id!);
      await answer(ctx, 200, task);
    })
    .add("DELETE", "/v1/tasks/{id}", async (ctx) => {
      await client.deleteTask(ctx.params.id!);
      sendEmpty(ctx.res, 204);
    })
    .add("POST", "/v1/tasks/{id}/retry", async (ctx) => {
      const task = await client.retryTask(ctx.params.id!);
      sendTask(ctx, 200, task, client.taskJson(task));
    });
}
