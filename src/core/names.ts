import { AjcError, type Reason } from "./errors.ts";

/** Task types, task ids, queue and schedule names all match this. */
export const NAME_PATTERN = /^[a-zA-Z0-9_:-]+$/;

/** True when `name` is a valid asyncjobs name. */
export function isValidName(name: unknown): name is string {
  return typeof name === "string" && NAME_PATTERN.test(name);
}

/** Throws `reason` (with `field`) unless `name` is valid. */
export function assertName(name: unknown, reason: Reason, what: string, field?: string): string {
  if (!isValidName(name)) {
    const shown = typeof name === "string" ? JSON.stringify(name.slice(0, 64)) : typeof name;
    throw new AjcError(reason, `invalid ${what} ${shown}: must match ${NAME_PATTERN.source}`, { field });
  }
  return name;
}

/** Queue names are used in stream names and subjects, so they follow the same pattern. */
export function assertQueueName(name: unknown, field = "name"): string {
  if (name === undefined || name === "")
    throw new AjcError("queue_name_required", "queue name is required", { field });
  return assertName(name, "queue_name_invalid", "queue name", field);
}
