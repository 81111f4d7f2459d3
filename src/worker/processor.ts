/**
 * The asyncjobs processing rules for one work item, step by step as the spec's "Processing a work
 * item" (and the Go library's processor) define them: load, skip what is running or finished,
 * expire, resolve dependencies, mark active, run the handler, record the end state, acknowledge.
 */
import type { Client, QueueInfo } from "../client.ts";
import { isReason, TerminateTaskError } from "../core/errors.ts";
import { type RetryPolicy, retryDelay } from "../core/retry.ts";
import type { Task, TaskResult, TaskState } from "../core/task.ts";
import { formatTimeMs, timeMs } from "../core/time.ts";
import type { WorkItem } from "../store/workqueue.ts";
import { Lease, RunContext } from "./context.ts";
import type { WorkerMetrics } from "./metrics.ts";
import type { Router } from "./router.ts";

/** How long a blocked task waits before its dependencies are checked again. */
export const BLOCKED_NAK_DELAY_NS = 5_000_000_000;

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

  constructor(private readonly o: ProcessorOptions) {
    this.#runtimeMs = o.queue.max_runtime / 1_000_000;
    this.#queueName = o.queue.name;
  }

  /** Applies every rule to one item; never throws. */
  async process(item: WorkItem): Promise<TaskOutcome> {
    const { client, metrics } = this.o;
    let task: Task;
    try {
      task = await client.loadTask(item.taskId);
    } catch (err) {
      metrics.taskNotFound.inc({ queue: this.#queueName });
      if (isReason(err, "task_not_found")) {
        item.term();
        return { taskId: item.taskId, type: "", state: "missing", tries: 0 };
      }
      if (isReason(err, "task_not_signed") || isReason(err, "task_signature_invalid")) {
        // It can never pass verification: running it is what signatures exist to prevent.
        item.term();
      } else {
        item.nak(this.#retryDelay(item));
      }
      return { taskId: item.taskId, type: "", state: "failed", tries: 0, error: errorText(err) };
    }

    const now = client.now();
    switch (task.state) {
      case "active":
        if (task.tried && now - timeMs(task.tried) < this.#runtimeMs) return this.#outcome(task, "skipped");
        break;
      case "unreachable":
      case "complete":
      case "expired":
        item.ack();
        return this.#outcome(task, task.state);
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
        item.term();
        task.state = "unreachable";
        task.last_err = `task dependencies failed: ${deps.failed}`;
        task.tried = formatTimeMs(client.now());
        await this.#saveOrDiscard(task);
        return this.#outcome(task, task.state);
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
    const started = performance.now();
    let result: unknown;
    let failure: unknown;
    try {
      if (!handler) throw new Error(`no handler for task type "${task.type}"`);
      result = await lease.run(() => handler(ctx));
    } catch (err) {
      failure = err ?? new Error("handler failed");
    } finally {
      lease.dispose();
      metrics.busy.dec({});
      metrics.handlerRuntime.observe(labels, (performance.now() - started) / 1000);
    }

    task.tried = formatTimeMs(client.now());
    if (failure === undefined) {
      task.state = "complete";
      delete task.last_err;
      task.result = { payload: resultPayload(result), completed: task.tried } satisfies TaskResult;
      await this.#saveOrDiscard(task);
      // Acknowledged even if saving failed, as Go does: a redelivery would run it again.
      item.ack();
      return this.#outcome(task, task.state);
    }

    metrics.handlerError.inc(labels);
    task.last_err = errorText(failure);
    if (failure instanceof TerminateTaskError) {
      task.state = "terminated";
      await this.#saveOrDiscard(task);
      item.term();
      return { ...this.#outcome(task, task.state), error: task.last_err };
    }
    const maxTries = this.o.queue.max_tries;
    task.state = maxTries > 0 && task.tries >= maxTries ? "expired" : "retry";
    await this.#saveOrDiscard(task);
    // An expired task never runs again: take its item out of the queue rather than leaving it
    // behind once JetStream's max deliveries is reached.
    if (task.state === "expired") item.ack();
    else item.nak(this.#retryDelay(item));
    return { ...this.#outcome(task, task.state), error: task.last_err };
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
      await this.o.client.storage.tasks.save(task);
      this.o.metrics.taskUpdate.inc({ state: task.state });
    } catch (err) {
      this.o.metrics.taskUpdateError.inc({});
      throw err;
    }
  }

  /** Saves, or deletes a task in a discarded end state (its event still published). True when done. */
  async #saveOrDiscard(task: Task): Promise<boolean> {
    const storage = this.o.client.storage;
    try {
      if (this.o.discard.has(task.state)) {
        storage.events.taskState(task);
        await storage.tasks.delete(task.id).catch((err) => {
          if (!isReason(err, "task_not_found")) throw err;
        });
      } else {
        await this.#save(task);
      }
      return true;
    } catch (err) {
      this.o.log.warn(`could not record task ${task.id} as ${task.state}: ${errorText(err)}`);
      return false;
    }
  }

  #retryDelay(item: WorkItem): number {
    return retryDelay(this.o.retryPolicy, item.deliveryCount, this.o.random);
  }

  #outcome(task: Task, state: TaskOutcome["state"]): TaskOutcome {
    return { taskId: task.id, type: task.type, state, tries: task.tries };
  }
}
