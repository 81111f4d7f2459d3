/**
 * The request-reply handler of `ajc task process --remote`: the task JSON is sent to
 * `CHORIA_AJ.H.T.<type>` (`catchall` for the empty type) and the reply decides: header
 * `AJ-Terminate` terminates, `AJ-Error` fails (retry), otherwise the body is the result.
 */
import type { Client } from "../../client.ts";
import { TerminateTaskError } from "../../core/errors.ts";
import { encodeTask } from "../../core/task.ts";
import { remoteHandlerSubject } from "../../store/subjects.ts";
import type { Handler, TaskContext } from "../context.ts";

/** Request and reply headers of the asyncjobs request-reply protocol. */
export const REMOTE_CONTENT_TYPE_HEADER = "AJ-Content-Type";
export const REMOTE_DEADLINE_HEADER = "AJ-Handler-Deadline";
export const REMOTE_TERMINATE_HEADER = "AJ-Terminate";
export const REMOTE_ERROR_HEADER = "AJ-Error";
export const REMOTE_TASK_CONTENT_TYPE = "application/x-asyncjobs-task+json";

/** A remote handler needs this much time left to be worth calling. */
const MIN_TIME_LEFT_MS = 3000;
/** The responder is told a deadline this much earlier, to leave time for its reply. */
const RESPONDER_MARGIN_MS = 2000;

/** RFC 3339 in UTC with whole seconds, as Go's `time.RFC3339` formats. */
function rfc3339Seconds(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
}

/**
 * A handler that delegates tasks of `type` to a responder over NATS request-reply. The reply body
 * is the result: bytes, stored base64-encoded as the Go library stores them.
 */
export function remoteHandler(client: Client, type: string, now: () => number = Date.now): Handler {
  const subject = remoteHandlerSubject(type);
  return async (ctx: TaskContext) => {
    const deadline = ctx.deadline.getTime();
    const left = deadline - now();
    if (left < MIN_TIME_LEFT_MS) {
      throw new Error(`request-reply handler needs at least ${MIN_TIME_LEFT_MS / 1000}s before the deadline`);
    }
    const reply = await client.requestRemote(
      subject,
      encodeTask(ctx.task),
      {
        [REMOTE_CONTENT_TYPE_HEADER]: REMOTE_TASK_CONTENT_TYPE,
        [REMOTE_DEADLINE_HEADER]: rfc3339Seconds(deadline - RESPONDER_MARGIN_MS),
      },
      left,
    );
    const terminate = reply.headers[REMOTE_TERMINATE_HEADER.toLowerCase()];
    // Worded as the Go library wraps ErrTerminateTask, so the same reply leaves the same last_err.
    if (terminate) throw new TerminateTaskError(`${terminate}: terminate task`);
    const failure = reply.headers[REMOTE_ERROR_HEADER.toLowerCase()];
    if (failure) throw new Error(failure);
    return reply.body;
  };
}
