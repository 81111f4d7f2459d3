/**
 * Runs a worker: pulls items from one queue, at most `concurrency` in process at a time, applies
 * the processing rules to each, and stops gracefully (no more pulling, running tasks finish within
 * their deadline) when its signal aborts or the connection closes.
 */
import type { Client } from "../client.ts";
import { AjcError } from "../core/errors.ts";
import { type RetryPolicy, retryPolicy } from "../core/retry.ts";
import type { TaskState } from "../core/task.ts";
import type { WorkItem } from "../store/workqueue.ts";
import { WorkerMetrics } from "./metrics.ts";
import { Processor, type TaskOutcome, type WorkerLogger } from "./processor.ts";
import type { Router } from "./router.ts";

/** States a worker may delete instead of saving. */
export type DiscardableState = "complete" | "expired" | "terminated";

/** Options of `runWorker`. */
export interface WorkerOptions {
  /** The queue to work on; it must exist. */
  queue: string;
  /** Tasks handled at once by this process. Default 10 (as the Go library). */
  concurrency?: number;
  /** Aborting it stops the worker gracefully. */
  signal?: AbortSignal;
  /** Back-off between tries: a policy name (`default`, `10m`, `1h`, `1m`) or a policy. Default `default`. */
  retryPolicy?: string | RetryPolicy;
  /** End states whose tasks are deleted instead of stored (their state event is still published). */
  discard?: DiscardableState[];
  /** Metrics to update (serve them with `serveMetrics(metrics.registry, { port })`). */
  metrics?: WorkerMetrics;
  /** Default: warnings and errors to the console, nothing else. */
  logger?: WorkerLogger;
  /** Told what happened to each work item (for logs; never carries the payload). */
  onOutcome?: (outcome: TaskOutcome) => void;
  /** Retry jitter source in [0, 1). Default Math.random. */
  random?: () => number;
  /**
   * How long running handlers may go on after `signal` aborts, in ms. Then their signal aborts
   * too, their tasks are saved `retry` (the try not counted) and handed back to the queue at once,
   * so a stop under a supervisor's timeout loses no time. Default DEFAULT_STOP_GRACE_MS.
   */
  stopGraceMs?: number;
}

/** Running handlers' time to finish once a worker is told to stop. */
export const DEFAULT_STOP_GRACE_MS = 30_000;

/** Tasks handled at once when `concurrency` is not given (the Go library's default). */
export const DEFAULT_WORKER_CONCURRENCY = 10;

/**
 * Items pulled ahead of free slots: a quarter of the concurrency (1 at concurrency 1..4). A slot
 * that frees starts the next held item at once instead of waiting a pull round trip, which with
 * fast handlers is most of the time a slot spends idle. The cost: a held item's
 * JetStream ack-wait (the queue's max run time) is running while it waits, and it counts against
 * the queue's `max_concurrent`, so while this worker is saturated it keeps up to this many items
 * another worker could have run. Hence small; and an item held longer than `HELD_REFRESH_MS`
 * restarts its ack-wait (`+WPI`) when it starts, so its run gets the whole run time.
 */
export function prefetchFor(concurrency: number): number {
  return Math.ceil(concurrency / 4);
}

/** An item held at least this long gets a `+WPI` when it finally starts. */
export const HELD_REFRESH_MS = 1_000;

const consoleLogger: WorkerLogger = {
  info: () => {},
  warn: (m) => console.warn(m),
  error: (m) => console.error(m),
};

const DISCARDABLE: ReadonlySet<string> = new Set(["complete", "expired", "terminated"]);

function resolveConcurrency(n: number | undefined): number {
  const c = n ?? DEFAULT_WORKER_CONCURRENCY;
  if (!Number.isSafeInteger(c) || c < 1) {
    throw new AjcError("invalid_argument", "concurrency must be a positive integer", {
      field: "concurrency",
    });
  }
  return c;
}

function resolveDiscard(states: DiscardableState[] | undefined): Set<TaskState> {
  for (const s of states ?? []) {
    if (!DISCARDABLE.has(s)) {
      throw new AjcError("invalid_argument", `cannot discard tasks in state ${s}`, { field: "discard" });
    }
  }
  return new Set(states ?? []);
}

/**
 * Processes tasks from `opts.queue` with `router` until `opts.signal` aborts (or the client's
 * connection closes), then waits for running handlers and resolves. Rejects at start when the
 * queue does not exist (`queue_not_found`) or an option is invalid.
 */
export async function runWorker(client: Client, router: Router, opts: WorkerOptions): Promise<void> {
  const concurrency = resolveConcurrency(opts.concurrency);
  const stopGraceMs = opts.stopGraceMs ?? DEFAULT_STOP_GRACE_MS;
  if (!Number.isFinite(stopGraceMs) || stopGraceMs < 0) {
    throw new AjcError("invalid_argument", "stop grace must be a duration of 0 or more", {
      field: "stopGraceMs",
    });
  }
  const policy =
    typeof opts.retryPolicy === "object" ? opts.retryPolicy : retryPolicy(opts.retryPolicy ?? "default");
  const discard = resolveDiscard(opts.discard);
  const log = opts.logger ?? consoleLogger;
  const metrics = opts.metrics ?? new WorkerMetrics();
  const queue = await client.queueInfo(opts.queue);
  metrics.touchQueue(queue.name);
  if (opts.signal?.aborted) return;

  const processor = new Processor({
    client,
    queue,
    router,
    retryPolicy: policy,
    discard,
    metrics,
    log,
    random: opts.random,
  });
  const prefetch = prefetchFor(concurrency);
  /** Items delivered while every slot was busy, oldest first, with when they arrived. */
  const held: { item: WorkItem; since: number }[] = [];
  let running = 0;
  let stopping = false;
  let allDone = () => {};
  const stopped = new Promise<void>((resolve) => {
    allDone = resolve;
  });

  let graceTimer: ReturnType<typeof setTimeout> | undefined;
  const finishIfIdle = () => {
    if (stopping && running === 0) {
      clearTimeout(graceTimer);
      allDone();
    }
  };
  const start = (item: WorkItem) => {
    running++;
    processor
      .process(item)
      .then((o) => opts.onOutcome?.(o))
      // process() never throws: this is a throwing onOutcome callback.
      .catch((err) => log.error(`after processing task ${item.taskId}: ${String(err)}`))
      .finally(() => {
        running--;
        const next = stopping ? undefined : held.shift();
        if (next) {
          if (performance.now() - next.since >= HELD_REFRESH_MS) next.item.inProgress().catch(() => {});
          start(next.item);
        }
        // Pull again for the slot (or the held place) that just freed.
        reader.wake();
        finishIfIdle();
      });
  };
  const reader = client.workQueueReader({
    queue: queue.name,
    capacity: () => concurrency + prefetch - running - held.length,
    // Batches of a quarter of the slots: fewer pull requests when many slots free at once.
    minBatch: Math.ceil(concurrency / 4),
    onItem: (item) => {
      if (stopping) item.nak(0);
      else if (running < concurrency) start(item);
      else held.push({ item, since: performance.now() });
    },
    onCorrupt: () => metrics.itemCorrupt.inc({ queue: queue.name }),
    onPoll: () => metrics.poll.inc({ queue: queue.name }),
    onPollError: (err) => {
      metrics.pollError.inc({ queue: queue.name });
      log.warn(`polling queue ${queue.name} failed: ${err.message}`);
    },
  });

  const stop = () => {
    if (stopping) return;
    stopping = true;
    reader.stop();
    // Items delivered but not started go straight back to the queue for other workers.
    for (const h of held.splice(0)) h.item.nak(0);
    if (running > 0) {
      log.info(`stopping: ${running} running task(s) get ${stopGraceMs}ms to finish`);
      graceTimer = setTimeout(() => {
        log.warn(`stop grace period over: handing ${running} running task(s) back to the queue`);
        processor.abortRuns();
      }, stopGraceMs);
    }
    finishIfIdle();
  };
  opts.signal?.addEventListener("abort", stop, { once: true });
  void client.closed().then(stop);
  reader.start();
  try {
    await stopped;
  } finally {
    opts.signal?.removeEventListener("abort", stop);
  }
}

/**
 * An AbortSignal that aborts on SIGINT or SIGTERM: pass it as `signal` for the usual graceful
 * stop of a service. A second signal is left to the default handling (exit at once).
 */
export function shutdownSignal(signals: NodeJS.Signals[] = ["SIGINT", "SIGTERM"]): AbortSignal {
  const ac = new AbortController();
  const onSignal = (sig: NodeJS.Signals) => {
    for (const s of signals) process.off(s, onSignal);
    ac.abort(new AjcError("internal", `stopped by ${sig}`));
  };
  for (const s of signals) process.once(s, onSignal);
  return ac.signal;
}
