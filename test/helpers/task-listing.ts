/**
 * Task listings in the differential test. A listing shows the tasks earlier steps created, so one
 * create step that differs on purpose (a task Go stores and ajc refuses) would shift every later
 * item. Instead each listed task is attributed to the step that created it, and the listing is
 * compared as `tasks.<step name>`: a difference then names that step, and it is allowed where the
 * creating step is allowed to differ the same way.
 */
import { compareValues } from "./transcript.ts";

/** A task-creating step: Go's normalised answer when Go created one, our task's id when we did. */
export interface CreatedTask {
  step: string;
  go?: unknown;
  oursId?: string;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function same(a: unknown, b: unknown): boolean {
  const d: never[] = [];
  compareValues(a, b, "", d);
  return (
    d.length === 0 &&
    JSON.stringify(Object.keys(a as object).sort()) === JSON.stringify(Object.keys(b as object).sort())
  );
}

/**
 * Go's listed tasks by creating step. Go lists oldest first, so the listing is a subsequence of
 * the tasks Go created; equal answers are interchangeable, so the earliest match is taken.
 * Undefined when a task cannot be attributed (then the listing is compared as it is).
 */
export function goTasksByStep(list: unknown[], created: CreatedTask[]): Record<string, unknown> | undefined {
  const out: Record<string, unknown> = {};
  let j = 0;
  for (const item of list) {
    while (j < created.length && !(created[j]!.go !== undefined && same(created[j]!.go, item))) j++;
    if (j === created.length) return undefined;
    out[created[j]!.step] = item;
    j++;
  }
  return out;
}

/** Our listed tasks by creating step, by id (`raw` holds the ids before they were normalised). */
export function ourTasksByStep(
  list: unknown[],
  raw: unknown[],
  created: CreatedTask[],
): Record<string, unknown> | undefined {
  const out: Record<string, unknown> = {};
  for (const [i, item] of list.entries()) {
    const id = isObject(raw[i]) ? raw[i].id : undefined;
    const c = created.find((x) => x.oursId !== undefined && x.oursId === id);
    if (!c) return undefined;
    out[c.step] = item;
  }
  return out;
}

/**
 * The steps whose task one side lists and the other does not, for an unfiltered listing (the
 * NDJSON step records only its line count): `go` lists steps only Go created a task for.
 */
export function unmatchedCreates(created: CreatedTask[]): { goOnly: string[]; oursOnly: string[] } {
  return {
    goOnly: created.filter((c) => c.go !== undefined && c.oursId === undefined).map((c) => c.step),
    oursOnly: created.filter((c) => c.go === undefined && c.oursId !== undefined).map((c) => c.step),
  };
}
