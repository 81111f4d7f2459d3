/**
 * The asyncjobs processing rules for one work item, step by step as the spec's "Processing a work
 * item" (and the Go library's processor) define them: load, skip what is running or finished,
 * expire, resolve dependencies, mark active, run the handler, record the end state, acknowledge.
 */
import type { Client, QueueInfo } from "../client.ts";
import { isReason, TerminateTaskError } from "../core/errors.ts";
import { type RetryPolicy, retryDelay } from "../core/retry.ts";
import { isEndState, isWaiting, type Task, type TaskResult, type TaskState } from "../core/task.ts";
import { formatTimeMs, timeMs } from "../core/time.ts";
import type { WorkItem } from "../store/workqueue.ts";
import { Lease, RunContext, WorkerStoppingError } from "./context.ts";
import type { WorkerMetrics } from "./metrics.ts";
import type { Router } from "./router.ts";

/** How long a blocked task waits before its dependencies are checked again. */
export const BLOCKED_NAK_DELAY_NS = 5_000_000_000;

/**
 * How long the save of a run's outcome is retried while NATS is unavailable (a restart, a leader
 * election) before the work item is given back undone: the outcome is then lost, the task is
 * still `active`, and it runs again once the run time has passed.
 */
export const DEFAULT_OUTCOME_SAVE_WINDOW_MS = 60_000;

/** What happened to one work item, for logs (never the payload). */
export interface TaskOutcome {
  taskId: string;
  /** Empty when the task could not be loaded. */
  type: string;
  /**
   * The task's state after this item: a task state, `missing` (no such task, item terminated),
   * `skipped` (running elsewhere, left alone) or `failed` (storage error, item given back).
   */
  state: TaskState | "missing" | "skipped" | "failed";
  tries: number;
  /** The handler's or storage's error, when there was one. */
  error?: string;
}

/** Logging hooks of a worker. */
export interface WorkerLogger {
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
}

/** What the processor works with. */
export interface ProcessorOptions {
  client: Client;
  /** The queue as read at start: run time, max tries. */
  queue: QueueInfo;
  router: Router;
  retryPolicy: RetryPolicy;
  /** End states whose tasks are deleted instead of saved. */
  discard: ReadonlySet<TaskState>;
  metrics: WorkerMetrics;
  log: WorkerLogger;
  /** [0, 1) source for retry jitter; default Math.random. */
  random?: () => number;
  /** See DEFAULT_OUTCOME_SAVE_WINDOW_MS. */
  outcomeSaveWindowMs?: number;
}

const DEPENDENCY_FAILED_STATES: ReadonlySet<string> = new Set(["expired", "terminated", "queue_error"]);

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** A handler's return value as a stored result: bytes become base64 text, as Go stores `[]byte`. */
export function resultPayload(value: unknown): unknown {
  if (value === undefined) return null;
  if (value instanceof Uint8Array) return Buffer.from(value).toString("base64");
  return value;
}

/** Applies the processing rules to work items of one queue (one instance per worker). */
export class Processor {
  readonly #runtimeMs: number;
  readonly #queueName: string;
  /** The leases of the runs under way, so a stopping worker can cut them short. */
  readonly #leases = new Set<Lease>();

  constructor(private readonly o: ProcessorOptions) {
    this.#runtimeMs = o.queue.max_runtime / 1_000_000;
    this.#queueName = o.queue.name;
  }

  /**
   * Cuts every run under way short (its handler's signal aborts): each task is saved `retry` and
   * its item handed back at once, for another worker.
   */
  abortRuns(reason = "the worker stopped before the handler finished"): void {
    for (const lease of this.#leases) lease.abort(new WorkerStoppingError(reason));
  }

  /** Applies every rule to one item; never throws. */
  async process(item: WorkItem): Promise<TaskOutcome> {
    const { client, metrics } = this.o;
    let task: Task;
    try {
      // Verified below, so that a task failing verification is still recorded as such.
      task = await client.loadTask(item.taskId, { verify: false });
    } catch (err) {
      metrics.taskNotFound.inc({ queue: this.#queueName });
      if (isReason(err, "task_not_found")) {
        item.term();
        return { taskId: item.taskId, type: "", state: "missing", tries: 0 };
      }
      item.nak(this.#retryDelay(item));
      return { taskId: item.taskId, type: "", state: "failed", tries: 0, error: errorText(err) };
    }

    const now = client.now();
    if (task.state === "active") {
      if (task.tried && now - timeMs(task.tried) < this.#runtimeMs) return this.#outcome(task, "skipped");
    } else if (isEndState(task.state)) {
      // A redelivery of a finished task (its +ACK or +TERM was lost): never run it again.
      if (task.state === "terminated") item.term();
      else item.ack();
      return this.#outcome(task, task.state);
    }

    try {
      client.verifySignature(task);
    } catch (err) {
      // It can never pass verification: running it is what signatures exist to prevent. Recorded,
      // so that the task says why it never ran.
      task.state = "terminated";
      task.last_err = `signature verification failed: ${errorText(err)}`;
      task.tried = formatTimeMs(now);
      if (await this.#saveOrDiscard(task)) {
        item.term();
        return { ...this.#outcome(task, task.state), error: task.last_err };
      }
      item.nak(this.#retryDelay(item));
      return { ...this.#outcome(task, "failed"), error: `could not store ${task.state}: ${task.last_err}` };
    }

    // A delayed task's item only enters the queue when its wake-up fires, so this is a guard
    // against an item that came by other means (published by hand, or by an older ajc's
    // rescuer): it is given back until then, never run early. By our clock: a server whose
    // clock is ahead fires a little early for us, and the item waits out the difference.
    if (isWaiting(task, now)) {
      item.nak((timeMs(task.run_at ?? "") - now) * 1_000_000);
      return this.#outcome(task, "skipped");
    }

    if (task.deadline && timeMs(task.deadline) < now) {
      metrics.pastDeadline.inc({ queue: this.#queueName });
      return this.#expire(item, task);
    }
    if (task.max_tries > 0 && task.tries >= task.max_tries) {
      metrics.pastMaxTries.inc({ queue: this.#queueName });
      return this.#expire(item, task);
    }

    if (task.state === "blocked" && task.dependencies && task.dependencies.length > 0) {
      const deps = await this.#dependencies(task);
      if (deps.failed !== undefined) {
        metrics.dependenciesFailed.inc({});
        task.state = "unreachable";
        task.last_err = `task dependencies failed: ${deps.failed}`;
        task.tried = formatTimeMs(client.now());
        // The item goes only once the task says why: a lost save would leave it blocked for good.
        if (await this.#saveOrDiscard(task)) {
          item.term();
          return { ...this.#outcome(task, task.state), error: task.last_err };
        }
        item.nak(this.#retryDelay(item));
        return { ...this.#outcome(task, "failed"), error: `could not store ${task.state}: ${task.last_err}` };
      }
      if (!deps.ready) {
        item.nak(BLOCKED_NAK_DELAY_NS);
        return this.#outcome(task, "blocked");
      }
    }

    task.state = "active";
    task.tried = formatTimeMs(now);
    delete task.last_err;
    try {
      await this.#save(task);
    } catch (err) {
      // A conflict means another worker got there first: leave the item to it.
      if (!isReason(err, "task_update_conflict")) item.nak(this.#retryDelay(item));
      return { ...this.#outcome(task, "failed"), error: errorText(err) };
    }
    task.tries++;
    return this.#run(item, task);
  }

  async #run(item: WorkItem, task: Task): Promise<TaskOutcome> {
    const { client, metrics, router } = this.o;
    const labels = { queue: task.queue, type: task.type };
    const lease = new Lease(this.#runtimeMs, client.now);
    const ctx = new RunContext(task, lease, () => item.inProgress());
    const handler = router.resolve(task.type);
    metrics.busy.inc({});
    this.#leases.add(lease);
    const started = performance.now();
    let result: unknown;
    let failure: unknown;
    try {
      if (!handler) throw new Error(`no handler for task type "${task.type}"`);
      result = await lease.run(() => handler(ctx));
    } catch (err) {
      failure = err ?? new Error("handler failed");
    } finally {
      this.#leases.delete(lease);
      lease.dispose();
      metrics.busy.dec({});
      metrics.handlerRuntime.observe(labels, (performance.now() - started) / 1000);
    }

    task.tried = formatTimeMs(client.now());
    if (failure === undefined) {
      task.state = "complete";
      delete task.last_err;
      task.result = { payload: resultPayload(result), completed: task.tried } satisfies TaskResult;
      return this.#finish(item, task, () => item.ack());
    }

    if (failure instanceof WorkerStoppingError) {
      // Cut short by a stopping worker, not by the task: it does not use up one of its tries, and
      // goes back to the queue at once for another worker.
      task.state = "retry";
      task.tries = Math.max(0, task.tries - 1);
      task.last_err = failure.message;
      return this.#finish(item, task, () => item.nak(0));
    }

    metrics.handlerError.inc(labels);
    task.last_err = errorText(failure);
    if (failure instanceof TerminateTaskError) {
      task.state = "terminated";
      return this.#finish(item, task, () => item.term());
    }
    const maxTries = this.o.queue.max_tries;
    task.state = maxTries > 0 && task.tries >= maxTries ? "expired" : "retry";
    // An expired task never runs again: take its item out of the queue rather than leaving it
    // behind once JetStream's max deliveries is reached.
    return this.#finish(item, task, () =>
      task.state === "expired" ? item.ack() : item.nak(this.#retryDelay(item)),
    );
  }

  /**
   * Stores a run's outcome, then settles the item with `settle`: only once the outcome is stored,
   * since an item acknowledged over an unsaved outcome leaves the task `active` for good. NATS
   * being away is waited out (DEFAULT_OUTCOME_SAVE_WINDOW_MS); an outcome too big to store becomes
   * `terminated` with the reason; a task changed by someone else meanwhile keeps their version.
   * The outcome names the state actually stored.
   */
  async #finish(item: WorkItem, task: Task, settle: () => void): Promise<TaskOutcome> {
    const error = task.last_err;
    let failure = await this.#saveOutcome(item, task);
    if (isReason(failure, "payload_too_large")) {
      const why = failure instanceof Error ? failure.message : "";
      const what = task.result ? "the handler's result" : `the ${task.state} outcome`;
      delete task.result;
      task.state = "terminated";
      task.last_err = `${what} is too large to store, so it was dropped and the task not retried (${why}); make the handler return less, or store its output elsewhere`;
      failure = await this.#saveOutcome(item, task);
      if (failure === undefined) {
        item.term();
        return { ...this.#outcome(task, task.state), error: task.last_err };
      }
    }
    if (failure === undefined) {
      settle();
      return { ...this.#outcome(task, task.state), ...(error ? { error } : {}) };
    }
    if (isReason(failure, "task_update_conflict") && (await this.#storedAlready(task))) {
      // A save that timed out had in fact been stored: the retry found its own version.
      settle();
      return { ...this.#outcome(task, task.state), ...(error ? { error } : {}) };
    }
    if (isReason(failure, "task_update_conflict")) {
      // Someone else saved the task while it ran (a retry or delete by hand, another worker after
      // the run time): theirs is the task's truth, and any new run comes with its own item.
      item.ack();
      return {
        ...this.#outcome(task, "skipped"),
        error: `task changed by someone else while it ran; this run's outcome (${task.state}) was not stored`,
      };
    }
    // Not stored: hand the item back, so the task runs again once its run time has passed.
    item.nak(this.#retryDelay(item));
    return {
      ...this.#outcome(task, "failed"),
      error: `could not store the outcome ${task.state}, the task stays active and runs again: ${errorText(failure)}`,
    };
  }

  /** True when the stored task is this very outcome (same state, same `tried` time). */
  async #storedAlready(task: Task): Promise<boolean> {
    try {
      const stored = await this.o.client.loadTask(task.id, { verify: false });
      return stored.state === task.state && stored.tried === task.tried && stored.tries === task.tries;
    } catch {
      return false;
    }
  }

  /**
   * Saves (or discards) a run's outcome, retrying while NATS is unavailable within the save window
   * and keeping the item's ack wait fresh meanwhile. The error when it could not, else undefined.
   */
  async #saveOutcome(item: WorkItem, task: Task): Promise<unknown> {
    const windowMs = this.o.outcomeSaveWindowMs ?? DEFAULT_OUTCOME_SAVE_WINDOW_MS;
    const giveUp = performance.now() + windowMs;
    let delay = 250;
    for (;;) {
      try {
        await this.#saveOrDiscardOrThrow(task);
        return undefined;
      } catch (err) {
        const transient = isReason(err, "storage_not_ready") || isReason(err, "storage_timeout");
        if (!transient || performance.now() + delay > giveUp) return err;
        this.o.log.warn(`could not record task ${task.id} as ${task.state}, trying again: ${errorText(err)}`);
      }
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, 5_000);
      item.inProgress().catch(() => {});
    }
  }

  /** Marks a task expired (saved or discarded); its item is acknowledged once that is stored. */
  async #expire(item: WorkItem, task: Task): Promise<TaskOutcome> {
    task.state = "expired";
    if (await this.#saveOrDiscard(task)) item.ack();
    return this.#outcome(task, task.state);
  }

  /**
   * Loads each dependency: `failed` names the first one missing or ended badly; `ready` is true
   * when all are complete (their results copied in when the task asks for them).
   */
  async #dependencies(task: Task): Promise<{ ready: boolean; failed?: string }> {
    let ready = true;
    for (const id of task.dependencies ?? []) {
      let dep: Task;
      try {
        dep = await this.o.client.loadTask(id);
      } catch (err) {
        if (isReason(err, "task_not_found")) return { ready: false, failed: `dependency ${id} not found` };
        // Stored but unreadable (no state, not a task): it can never complete.
        if (isReason(err, "internal")) return { ready: false, failed: `dependency ${id}: ${errorText(err)}` };
        this.o.log.warn(
          `could not load dependency ${id} of task ${task.id}, will check again: ${errorText(err)}`,
        );
        ready = false;
        continue;
      }
      if (DEPENDENCY_FAILED_STATES.has(dep.state)) {
        return { ready: false, failed: `dependency ${id} is ${dep.state}` };
      }
      if (dep.state !== "complete") {
        ready = false;
        continue;
      }
      if (task.load_dependencies && dep.result) {
        task.dependency_results ??= {};
        task.dependency_results[dep.id] = dep.result;
      }
    }
    return { ready };
  }

  async #save(task: Task): Promise<void> {
    try {
      await this.o.client.saveTask(task);
      this.o.metrics.taskUpdate.inc({ state: task.state });
    } catch (err) {
      this.o.metrics.taskUpdateError.inc({});
      throw err;
    }
  }

  /** Saves, or deletes a task in a discarded end state (its event still published). True when done. */
  async #saveOrDiscard(task: Task): Promise<boolean> {
    try {
      await this.#saveOrDiscardOrThrow(task);
      return true;
    } catch (err) {
      this.o.log.warn(`could not record task ${task.id} as ${task.state}: ${errorText(err)}`);
      return false;
    }
  }

  async #saveOrDiscardOrThrow(task: Task): Promise<void> {
    if (this.o.discard.has(task.state)) {
      await this.o.client.discardTask(task).catch((err) => {
        if (!isReason(err, "task_not_found")) throw err;
      });
    } else {
      await this.#save(task);
    }
  }

  #retryDelay(item: WorkItem): number {
    return retryDelay(this.o.retryPolicy, item.deliveryCount, this.o.random);
  }

  #outcome(task: Task, state: TaskOutcome["state"]): TaskOutcome {
    return { taskId: task.id, type: task.type, state, tries: task.tries };
  }
}
