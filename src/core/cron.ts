/**
 * Cron expressions as the Go scheduler understands them: five standard fields, the `@` descriptors,
 * `@every <go duration>`, and an optional `CRON_TZ=<zone>` / `TZ=<zone>` prefix. Field matching is
 * croner's; this module only adds the Go-specific forms and the validation.
 */
import { Cron } from "croner";
import { parseGoDuration } from "./duration.ts";
import { AjcError } from "./errors.ts";

/** A parsed cron schedule: the next firing strictly after a moment. */
export interface CronSchedule {
  /** Unix ms of the next firing after `afterMs`. */
  next(afterMs: number): number | undefined;
}

const DESCRIPTORS: Record<string, string> = {
  "@yearly": "0 0 1 1 *",
  "@annually": "0 0 1 1 *",
  "@monthly": "0 0 1 * *",
  "@weekly": "0 0 * * 0",
  "@daily": "0 0 * * *",
  "@midnight": "0 0 * * *",
  "@hourly": "0 * * * *",
};

function invalid(expr: string, why: string, cause?: unknown): AjcError {
  return new AjcError("schedule_invalid", `invalid schedule "${expr}": ${why}`, { field: "schedule", cause });
}

/** Parses and validates a cron expression. */
export function parseCron(expr: string): CronSchedule {
  let rest = expr.trim();
  let timezone: string | undefined;
  const tz = /^(?:CRON_TZ|TZ)=(\S+)\s+(.*)$/.exec(rest);
  if (tz) {
    timezone = tz[1];
    rest = tz[2]!.trim();
  }
  if (rest.startsWith("@every ")) {
    let every: number;
    try {
      every = parseGoDuration(rest.slice(7).trim(), "schedule");
    } catch (err) {
      throw invalid(expr, err instanceof Error ? err.message : String(err), err);
    }
    // As the Go cron library: less than 1s runs every second, and fractions of a second are dropped.
    const everyMs = Math.max(1000, Math.floor(every / 1_000_000_000) * 1000);
    // Like the Go cron library: the next whole second at least `every` after the previous firing.
    return { next: (afterMs) => Math.floor(afterMs / 1000) * 1000 + everyMs };
  }
  const pattern = rest.startsWith("@") ? DESCRIPTORS[rest.toLowerCase()] : rest;
  if (pattern === undefined) throw invalid(expr, `unknown descriptor ${rest}`);
  if (pattern.split(/\s+/).length !== 5) throw invalid(expr, "expected five fields or a descriptor");
  let cron: Cron;
  try {
    cron = new Cron(pattern, { paused: true, timezone });
    cron.nextRun(new Date());
  } catch (err) {
    throw invalid(expr, err instanceof Error ? err.message : String(err), err);
  }
  return { next: (afterMs) => cron.nextRun(new Date(afterMs))?.getTime() };
}

/** Turns CLI shorthands into cron syntax: `daily` → `@daily`, `every 5m` → `@every 5m`. */
export function normaliseCronShorthand(s: string): string {
  const t = s.trim();
  if (/^every\s+/i.test(t)) return `@every ${t.replace(/^every\s+/i, "")}`;
  if (`@${t.toLowerCase()}` in DESCRIPTORS) return `@${t.toLowerCase()}`;
  return t;
}
