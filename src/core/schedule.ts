/** The scheduled-task model: a cron expression that creates a task in a queue on every firing. */
import { AjcError } from "./errors.ts";
import { isValidName } from "./names.ts";
import type { NewTaskOptions } from "./task.ts";
import { formatTimeNs } from "./time.ts";

/** A schedule as stored under `scheduled_tasks.<name>` in `CHORIA_AJ_CONFIGURATION`. */
export interface Schedule {
  name: string;
  schedule: string;
  queue: string;
  task_type: string;
  /** Base64 of the payload bytes, or null. */
  payload: string | null;
  /** Deadline offset in nanoseconds (0 = none). */
  deadline?: number;
  max_tries: number;
  /** RFC 3339. */
  created_at: string;
  /**
   * ajc addition: when the schedule was paused (RFC 3339); absent while it is active. Not part of
   * the Go form (`encodeSchedule`): a paused schedule is stored under another key (see
   * store/schedules.ts), which is how no scheduler, Go's included, fires it.
   */
  paused_at?: string;
  /** ajc addition: true while paused (with `paused_at`); absent while active. */
  paused?: boolean;
}

/** Deadline offsets shorter than this are refused ("deadline too short"). */
export const MIN_SCHEDULE_DEADLINE_NS = 30_000_000_000;

/** Encodes a schedule as the Go library does (keys in order, `deadline` omitted when 0). */
export function encodeSchedule(s: Schedule): string {
  const o: Record<string, unknown> = {
    name: s.name,
    schedule: s.schedule,
    queue: s.queue,
    task_type: s.task_type,
    payload: s.payload,
  };
  if (s.deadline) o.deadline = s.deadline;
  o.max_tries = s.max_tries;
  o.created_at = s.created_at;
  return JSON.stringify(o);
}

/** Encodes a paused schedule as ajc stores it: the Go form with `paused_at` last. */
export function encodePausedSchedule(s: Schedule): string {
  const o = JSON.parse(encodeSchedule(s)) as Record<string, unknown>;
  o.paused_at = s.paused_at ?? "";
  return JSON.stringify(o);
}

/** Decodes a stored schedule; a malformed one is `schedule_invalid`. */
export function decodeSchedule(text: string): Schedule {
  let r: Record<string, unknown>;
  try {
    r = JSON.parse(text);
  } catch (err) {
    throw new AjcError("schedule_invalid", "invalid schedule: invalid JSON", { cause: err });
  }
  if (typeof r !== "object" || r === null)
    throw new AjcError("schedule_invalid", "invalid schedule: not an object");
  const s: Schedule = {
    name: String(r.name ?? ""),
    schedule: String(r.schedule ?? ""),
    queue: String(r.queue ?? ""),
    task_type: String(r.task_type ?? ""),
    payload: typeof r.payload === "string" ? r.payload : null,
    max_tries: typeof r.max_tries === "number" ? r.max_tries : 0,
    created_at: String(r.created_at ?? ""),
  };
  if (typeof r.deadline === "number" && r.deadline !== 0) s.deadline = r.deadline;
  if (typeof r.paused_at === "string") {
    s.paused = true;
    s.paused_at = r.paused_at;
  }
  validateSchedule(s);
  return s;
}

/** Checks names, the required fields and the deadline offset (not the cron syntax: see cron.ts). */
export function validateSchedule(s: Schedule): void {
  if (!s.name) throw new AjcError("schedule_invalid", "schedule name is required", { field: "name" });
  if (!isValidName(s.name))
    throw new AjcError("schedule_invalid", "invalid schedule name", { field: "name" });
  if (!s.schedule) throw new AjcError("schedule_invalid", "schedule is required", { field: "schedule" });
  if (!isValidName(s.task_type))
    throw new AjcError("schedule_invalid", "invalid task type", { field: "task_type" });
  if (!isValidName(s.queue)) throw new AjcError("schedule_invalid", "invalid queue name", { field: "queue" });
  if (s.deadline !== undefined && s.deadline !== 0 && s.deadline < MIN_SCHEDULE_DEADLINE_NS) {
    throw new AjcError("schedule_invalid", "deadline too short: at least 30s", { field: "deadline_offset" });
  }
}

/**
 * The new task's options for a firing at `nowMs`, as Go builds them: the schedule's max tries when
 * above 0 (else the task default), and a deadline of now plus the schedule's offset when it has one.
 */
export function scheduleTaskOptions(schedule: Schedule, nowMs: number): NewTaskOptions {
  const opts: NewTaskOptions = {};
  if (schedule.max_tries > 0) opts.maxTries = schedule.max_tries;
  if (schedule.deadline !== undefined && schedule.deadline > 0) {
    opts.deadline = formatTimeNs(
      BigInt(Math.trunc(nowMs)) * 1_000_000n + BigInt(Math.trunc(schedule.deadline)),
    );
  }
  return opts;
}
