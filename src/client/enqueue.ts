/**
 * Putting a task on a queue: store it, then publish its work item (or, for a task with a future
 * `run_at`, its wake-up), and what happens when the second write fails or never happens.
 */
import { AjcError, asAjcError } from "../core/errors.ts";
import { assertName } from "../core/names.ts";
import { isWaiting, type Task } from "../core/task.ts";
import type { Storage } from "../store/storage.ts";
import type { KnownQueues } from "./known-queues.ts";
import type { TaskSignatures } from "./signatures.ts";

/** States from which a task may be enqueued. */
const ENQUEUEABLE = new Set(["new", "retry", "blocked"]);

/** What an enqueue uses of the client. */
export interface Enqueuing {
  storage: Storage;
  now: () => number;
  signatures: TaskSignatures;
  queues: KnownQueues;
}

/**
 * Enqueues a task into `queue`: checks its state, stores it (publishing the state event), then
 * publishes the work item. A failed publish leaves the task in `queue_error` with `last_err`.
 * With `requireQueue` a queue that does not exist is refused before anything is stored.
 */
export async function enqueueTask(
  c: Enqueuing,
  task: Task,
  queue: string,
  opts: { requireQueue?: boolean } = {},
): Promise<Task> {
  c.storage.assertConnected();
  assertName(queue, "queue_name_invalid", "queue name", "queue");
  if (!ENQUEUEABLE.has(task.state)) {
    throw new AjcError("task_cannot_enqueue", `cannot enqueue a task in state ${task.state}`);
  }
  // Refused before anything is stored: an older server could only run it early.
  const waiting = isWaiting(task, c.now());
  if (waiting) c.storage.delayed.assertAvailable();
  if (opts.requireQueue) await c.queues.assertExists(queue);
  task.queue = queue;
  c.signatures.sign(task);
  c.signatures.verify(task);
  await c.storage.tasks.save(task);
  try {
    if (waiting) await c.storage.delayed.schedule(queue, task.id, task.run_at!);
    else await c.storage.queues.publishItem(queue, task.id, task.state !== "retry");
  } catch (err) {
    throw await recordQueueError(c.storage, task, err);
  }
  return task;
}

/**
 * After a work item could not be published: records the task as `queue_error` with the reason,
 * and returns the error to give the caller. When even that save fails (NATS went away between
 * the two writes), the error says the task is stored in its old state without a work item, which
 * is what `ajc task rescue` repairs (or an idempotent replay of the request).
 */
async function recordQueueError(storage: Storage, task: Task, err: unknown): Promise<AjcError> {
  const failure = asAjcError(err);
  const stored = task.state;
  task.state = "queue_error";
  task.last_err = failure.message;
  try {
    await storage.tasks.save(task);
    return failure;
  } catch (saveErr) {
    task.state = stored;
    delete task.last_err;
    return new AjcError(
      failure.reason,
      `${failure.message}; task ${task.id} is stored as ${stored} without a work item, and marking it queue_error failed too (${errorText(saveErr)}): retry the request with the same Idempotency-Key, or run "ajc task rescue"`,
      { cause: failure },
    );
  }
}

/**
 * Finishes an enqueue that may have been cut short after the task was stored (the process died,
 * or NATS went away, between storing the task and publishing its work item): a task still `new`
 * or `blocked` gets its work item again, one left in `queue_error` goes back to `new` (or
 * `blocked`) and gets it too. The item subject holds one message, so this never makes a second
 * item. A task in any other state was enqueued and has moved on: it is returned as it is.
 */
export async function resumeEnqueue(c: Pick<Enqueuing, "storage" | "now">, task: Task): Promise<Task> {
  c.storage.assertConnected();
  if (!task.queue) return task;
  if (task.state === "queue_error") {
    task.state = task.dependencies && task.dependencies.length > 0 ? "blocked" : "new";
    delete task.last_err;
    await c.storage.tasks.save(task);
  } else if (task.state !== "new" && task.state !== "blocked") {
    return task;
  }
  if (isWaiting(task, c.now())) await c.storage.delayed.schedule(task.queue, task.id, task.run_at!);
  else await c.storage.queues.publishItem(task.queue, task.id, false);
  return task;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
