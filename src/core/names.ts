import { AjcError, type Reason } from "./errors.ts";

/** Task types, task ids, queue and schedule names all match this. */
export const NAME_PATTERN = /^[a-zA-Z0-9_:-]+$/;

/**
 * The longest name accepted. Names end up in stream names (at most 255 characters, with a prefix)
 * and subjects (a NATS protocol line holds at most 4 KiB: a longer one makes the server drop the
 * connection), so an unbounded name would fail deep in storage instead of as a clear refusal.
 */
export const MAX_NAME_LENGTH = 200;

/** True when `name` is a valid asyncjobs name. */
export function isValidName(name: unknown): name is string {
  return typeof name === "string" && name.length <= MAX_NAME_LENGTH && NAME_PATTERN.test(name);
}

/** Throws `reason` (with `field`) unless `name` is valid. */
export function assertName(name: unknown, reason: Reason, what: string, field?: string): string {
  if (!isValidName(name)) {
    const shown = typeof name === "string" ? JSON.stringify(name.slice(0, 64)) : typeof name;
    const rule =
      typeof name === "string" && name.length > MAX_NAME_LENGTH
        ? `must be at most ${MAX_NAME_LENGTH} characters`
        : `must match ${NAME_PATTERN.source}`;
    throw new AjcError(reason, `invalid ${what} ${shown}: ${rule}`, { field });
  }
  return name;
}

/** Queue names are used in stream names and subjects, so they follow the same pattern. */
export function assertQueueName(name: unknown, field = "name"): string {
  if (name === undefined || name === "")
    throw new AjcError("queue_name_required", "queue name is required", { field });
  return assertName(name, "queue_name_invalid", "queue name", field);
}
