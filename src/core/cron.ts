/**
 * Cron expressions as the Go scheduler understands them: five standard fields, the `@` descriptors,
 * `@every <go duration>`, and an optional `CRON_TZ=<zone>` / `TZ=<zone>` prefix. Field matching is
 * croner's; this module adds the Go-specific forms and refuses what the Go scheduler's parser (robfig
 * cron's standard parser) refuses, so that no schedule is stored that a Go scheduler cannot load:
 * descriptors in lower case only, and in the fields only numbers in range, month and weekday names,
 * `*`, `?`, ranges, lists and steps (no `L`, `W` or `#`, no weekday 7).
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

/** Each field's bounds and, for month and weekday, the names the Go parser knows. */
const FIELDS: { name: string; min: number; max: number; names?: string[] }[] = [
  { name: "minute", min: 0, max: 59 },
  { name: "hour", min: 0, max: 23 },
  { name: "day of month", min: 1, max: 31 },
  {
    name: "month",
    min: 1,
    max: 12,
    names: ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"],
  },
  { name: "day of week", min: 0, max: 6, names: ["sun", "mon", "tue", "wed", "thu", "fri", "sat"] },
];

/** A field value: a number, or a name (case-insensitive, as Go's parser) where the field has names. */
function fieldValue(v: string, f: (typeof FIELDS)[number]): number | undefined {
  if (/^\d+$/.test(v)) return Number(v);
  const i = f.names?.indexOf(v.toLowerCase()) ?? -1;
  return i < 0 ? undefined : f.min + i;
}

/** Why the Go parser refuses a field, or undefined when it accepts it. */
function fieldProblem(field: string, f: (typeof FIELDS)[number]): string | undefined {
  for (const part of field.split(",")) {
    const [range, step, extra] = part.split("/");
    if (extra !== undefined || range === undefined || range === "") return `bad ${f.name} "${field}"`;
    if (step !== undefined && !/^\d+$/.test(step)) return `bad step in ${f.name} "${field}"`;
    if (step !== undefined && Number(step) === 0) return `step of zero in ${f.name} "${field}"`;
    if (range === "*" || range === "?") continue;
    const ends = range.split("-");
    if (ends.length > 2) return `bad range in ${f.name} "${field}"`;
    const lo = fieldValue(ends[0]!, f);
    const hi = ends.length === 2 ? fieldValue(ends[1]!, f) : lo;
    if (lo === undefined || hi === undefined) return `bad value in ${f.name} "${field}"`;
    if (lo < f.min || hi > f.max) return `${f.name} out of range (${f.min}-${f.max}) in "${field}"`;
    if (lo > hi) return `beginning of range after end in ${f.name} "${field}"`;
  }
  return undefined;
}

/** A field the Go parser accepts in croner's syntax: "?" is "*", and "5/15" is "5-<max>/15". */
function forCroner(field: string, f: (typeof FIELDS)[number]): string {
  return field
    .split(",")
    .map((part) => {
      const [range, step] = part.replaceAll("?", "*").split("/");
      return step !== undefined && range !== "*" && !range!.includes("-")
        ? `${range}-${f.max}/${step}`
        : part.replaceAll("?", "*");
    })
    .join(",");
}

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
  // Exact match, as the Go parser: "@DAILY" is not a descriptor there.
  const pattern = rest.startsWith("@") ? DESCRIPTORS[rest] : rest;
  if (pattern === undefined) throw invalid(expr, `unknown descriptor ${rest}`);
  const fields = pattern.split(/\s+/);
  if (fields.length !== 5) throw invalid(expr, "expected five fields or a descriptor");
  for (const [i, field] of fields.entries()) {
    const problem = fieldProblem(field, FIELDS[i]!);
    if (problem) throw invalid(expr, problem);
  }
  let cron: Cron;
  try {
    cron = new Cron(fields.map((f, i) => forCroner(f, FIELDS[i]!)).join(" "), { paused: true, timezone });
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
