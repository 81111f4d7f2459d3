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
    [
      "Paused",
      s.paused ? `since ${shortTime(s.paused_at ?? "")}: it does not fire until resumed` : undefined,
    ],
  ])}`;
}

/**
 * The schedule as the Go library's JSON (keys in its order), as a value to print; a paused one
 * also has `paused` and `paused_at` (as the HTTP API answers it).
 */
export function scheduleJson(s: Schedule): unknown {
  const o = JSON.parse(encodeSchedule(s)) as Record<string, unknown>;
  if (s.paused) {
    o.paused = true;
    o.paused_at = s.paused_at ?? "";
  }
  return o;
}
