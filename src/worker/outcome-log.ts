/**
 * The one log line per work item, as `ajc task process` and `ajc dev` write it: the task's id,
 * type, state, tries and error; never the payload.
 */
import type { LogFormat, Logger } from "../core/log.ts";
import type { TaskOutcome } from "./processor.ts";

/** Logs `o` at info level on the shared logger (`src/core/log.ts`). */
export function logOutcome(log: Pick<Logger, "info">, o: TaskOutcome, format: LogFormat = "text"): void {
  const fields = { type: o.type, state: o.state, tries: o.tries, error: o.error };
  // A JSON shipper wants the id as a field; people grep the text for `task <id> type=`.
  if (format === "json") log.info("task", { task_id: o.taskId, ...fields });
  else log.info(`task ${o.taskId}`, { ...fields, type: o.type === "" ? undefined : o.type });
}
