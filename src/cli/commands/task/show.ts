/** How tasks and the task store are shown to people. */
import type { TaskStoreInfo } from "../../../client.ts";
import { encodeTask, payloadBytes, type Task } from "../../../core/task.ts";
import { timeMs } from "../../../core/time.ts";
import { humanBytes, humanDuration, keyValues } from "../../output.ts";

/** `2024-05-01T10:11:12.123456789Z` → `2024-05-01 10:11:12` (UTC). */
export function shortTime(rfc3339: string | undefined): string {
  if (!rfc3339) return "";
  const ms = timeMs(rfc3339);
  return Number.isNaN(ms) ? rfc3339 : new Date(ms).toISOString().slice(0, 19).replace("T", " ");
}

/** The task as the Go library's JSON (keys in its order, empty ones omitted), as a value to print. */
export function taskJson(t: Task): unknown {
  return JSON.parse(encodeTask(t));
}

/** One task's details as aligned key/value lines. */
export function showTask(t: Task): string {
  const completedAfter = t.result ? timeMs(t.result.completed) - timeMs(t.created) : Number.NaN;
  return `Task ${t.id} created at ${shortTime(t.created)}\n\n${keyValues([
    ["Type", t.type],
    ["Queue", t.queue || undefined],
    ["State", t.state],
    ["Payload", humanBytes(payloadBytes(t).length)],
    ["Tries", `${t.tries} of ${t.max_tries || "unlimited"}`],
    ["Deadline", t.deadline ? shortTime(t.deadline) : undefined],
    ["Run at", t.run_at ? shortTime(t.run_at) : undefined],
    ["Dependencies", t.dependencies?.join(", ")],
    ["Last tried", t.tried ? shortTime(t.tried) : undefined],
    ["Last error", t.last_err],
    [
      "Completed",
      t.result
        ? `${shortTime(t.result.completed)}${Number.isNaN(completedAfter) ? "" : ` (after ${humanDuration(completedAfter * 1_000_000, "0s")})`}`
        : undefined,
    ],
    ["Signed", t.signature ? "yes" : undefined],
  ])}`;
}

/** The task store's settings and state as aligned key/value lines. */
export function showTaskStore(s: TaskStoreInfo): string {
  return `Tasks Storage:\n\n${keyValues([
    ["Stream", s.stream],
    ["Entries", `${s.messages} @ ${humanBytes(s.bytes)}`],
    ["Storage", s.memory ? "memory" : "file"],
    ["Replicas", s.replicas],
    ["Retention", humanDuration(s.retentionNs, "forever")],
    ["First entry", s.firstTime ? shortTime(s.firstTime) : undefined],
    ["Last entry", s.lastTime ? shortTime(s.lastTime) : undefined],
  ])}`;
}
