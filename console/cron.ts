/**
 * The next firing of a schedule, computed in the browser (the API reports none). The server has
 * validated the expression already; this reads the same forms: five fields, a descriptor,
 * `@every <duration>`, an optional `CRON_TZ=`/`TZ=` prefix. For `@every` the firing depends on when
 * the scheduler's leader started, so the answer is "within" rather than a time.
 */
import { Cron } from "croner";

const DESCRIPTORS: Record<string, string> = {
  "@yearly": "0 0 1 1 *",
  "@annually": "0 0 1 1 *",
  "@monthly": "0 0 1 * *",
  "@weekly": "0 0 * * 0",
  "@daily": "0 0 * * *",
  "@midnight": "0 0 * * *",
  "@hourly": "0 * * * *",
};

const MAX = [59, 23, 31, 12, 6];

/** What the console shows as the next firing. */
export type NextFiring = { at: Date } | { every: string } | { error: string };

/** Go's "5/15" is croner's "5-<max>/15"; "?" is "*". */
function forCroner(field: string, max: number): string {
  return field
    .split(",")
    .map((part) => {
      const [range = "", step] = part.replaceAll("?", "*").split("/");
      return step !== undefined && range !== "*" && !range.includes("-")
        ? `${range}-${max}/${step}`
        : part.replaceAll("?", "*");
    })
    .join(",");
}

export function nextFiring(expr: string, after: Date = new Date()): NextFiring {
  let rest = expr.trim();
  let timezone: string | undefined;
  const tz = /^(?:CRON_TZ|TZ)=(\S+)\s+(.*)$/.exec(rest);
  if (tz) {
    timezone = tz[1];
    rest = (tz[2] ?? "").trim();
  }
  if (rest.startsWith("@every ")) return { every: rest.slice(7).trim() };
  const pattern = rest.startsWith("@") ? DESCRIPTORS[rest] : rest;
  if (pattern === undefined) return { error: `unknown descriptor ${rest}` };
  const fields = pattern.split(/\s+/);
  try {
    const cron = new Cron(fields.map((f, i) => forCroner(f, MAX[i] ?? 59)).join(" "), {
      paused: true,
      timezone,
    });
    const at = cron.nextRun(after);
    return at ? { at } : { error: "never fires" };
  } catch (err) {
    return { error: (err as Error).message };
  }
}
