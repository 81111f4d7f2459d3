/** How schedules are shown to people. */
import { encodeSchedule, type Schedule } from "../../../core/schedule.ts";
import { humanBytes, humanDuration, keyValues } from "../../output.ts";
import { shortTime } from "../task/show.ts";

/** One schedule's details as aligned key/value lines. */
export function showSchedule(s: Schedule): string {
  const payload = s.payload === null ? 0 : Buffer.from(s.payload, "base64").length;
  return `Scheduled task ${s.name} created at ${shortTime(s.created_at)}\n\n${keyValues([
    ["Schedule", s.schedule],
    ["Queue", s.queue],
    ["Task type", s.task_type],
    ["Payload", humanBytes(payload)],
    ["Deadline", s.deadline ? `${humanDuration(s.deadline)} after creation` : undefined],
    ["Max tries", s.max_tries > 0 ? s.max_tries : undefined],
  ])}`;
}

/** The schedule as the Go library's JSON (keys in its order), as a value to print. */
export function scheduleJson(s: Schedule): unknown {
  return JSON.parse(encodeSchedule(s));
}
