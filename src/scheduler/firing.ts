/**
 * One firing of a schedule, made impossible to duplicate. Two schedulers can both believe they
 * lead for a moment (a leader stalled between its leadership check and its enqueue, clocks that
 * disagree during a hand-over), so "only the leader fires" is not enough on its own. Each firing
 * therefore has one identity, the same in every scheduler: a task id derived from the schedule's
 * name and due time. The task store saves a new task create-only (expected last subject sequence
 * 0), so the second save of that id is refused; and the work item carries the id as its
 * `Nats-Msg-Id`, so the queue stream's duplicate window drops a second publish as well.
 */
import { createHash } from "node:crypto";
import { encodeTime } from "ulid";
import type { Client } from "../client.ts";
import { AjcError } from "../core/errors.ts";
import type { Task } from "../core/task.ts";
import { type Firing, firingTaskOptions } from "./timetable.ts";

/** Crockford base 32, the alphabet of ULIDs. */
const CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/** A ULID's random part: 16 characters of 5 bits. */
const ULID_RANDOM_CHARS = 16;

/**
 * The task id of the firing of schedule `name` due at `dueAtMs`: a ULID whose time part is the due
 * time and whose "random" part is a hash of the name and due time. It is a valid task id (and to
 * the Go library an opaque string, as its own ids are), sorts by due time like other ids, and is
 * the same in every scheduler that computes the same due time.
 */
export function firingTaskId(name: string, dueAtMs: number): string {
  const digest = createHash("sha256")
    .update(`ajc schedule firing\n${name}\n${Math.trunc(dueAtMs)}`)
    .digest();
  let bits = 0n;
  for (let i = 0; i < 10; i++) bits = (bits << 8n) | BigInt(digest[i]!);
  let random = "";
  for (let i = ULID_RANDOM_CHARS - 1; i >= 0; i--) random += CROCKFORD[Number((bits >> BigInt(i * 5)) & 31n)];
  return encodeTime(Math.trunc(dueAtMs), 10) + random;
}

/** What a firing did: created its task, or found it created already (by another scheduler). */
export type FiringOutcome = { created: Task } | { alreadyFired: string };

/**
 * Creates and enqueues the task of one firing at `nowMs` (the deadline counts from now, as Go's).
 * A missing queue is refused before anything is stored. When the firing's task exists already,
 * another scheduler fired this due time: nothing is stored or published, and that is not an error.
 */
export async function fireOnce(client: Client, f: Firing, nowMs: number): Promise<FiringOutcome> {
  const s = f.schedule;
  const id = firingTaskId(f.name, f.dueAtMs);
  const task = client.newTask(s.task_type, s.payload, { ...firingTaskOptions(s, nowMs), id });
  try {
    // requireQueue: a missing queue is one logged error per firing, not a queue_error task each time.
    await client.enqueue(task, s.queue, { requireQueue: true });
  } catch (err) {
    if (err instanceof AjcError && err.reason === "task_already_exists") return { alreadyFired: id };
    throw err;
  }
  return { created: task };
}
