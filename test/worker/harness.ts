/** Shared bits of the worker tests: a running library worker and waiting for task states. */
import type { Client } from "../../src/client.ts";
import type { RetryPolicy } from "../../src/core/retry.ts";
import type { Task, TaskState } from "../../src/core/task.ts";
import { Router, runWorker, type TaskOutcome, type WorkerOptions } from "../../src/worker/index.ts";

/** A retry policy fast enough for tests: 100-150ms between tries. */
export const FAST_RETRY: RetryPolicy = { name: "test", intervals: [100_000_000], jitter: 0.5 };

export interface RunningWorker {
  outcomes: TaskOutcome[];
  /** Aborts and waits for the worker to return. */
  stop(): Promise<void>;
  done: Promise<void>;
}

/** Starts `runWorker` in the background with test-friendly defaults (fast retries, quiet logs). */
export function startWorker(
  client: Client,
  router: Router,
  opts: Partial<WorkerOptions> & { queue: string },
): RunningWorker {
  const ac = new AbortController();
  const outcomes: TaskOutcome[] = [];
  const done = runWorker(client, router, {
    retryPolicy: FAST_RETRY,
    logger: { info: () => {}, warn: () => {}, error: (m) => console.error(m) },
    onOutcome: (o) => outcomes.push(o),
    signal: ac.signal,
    ...opts,
  });
  return {
    outcomes,
    done,
    async stop() {
      ac.abort();
      await done;
    },
  };
}

/** Polls a task until `pred` holds (or fails after `timeoutMs` with the last state seen). */
export async function waitForTask(
  client: Client,
  id: string,
  pred: TaskState | ((t: Task) => boolean),
  timeoutMs = 10_000,
): Promise<Task> {
  const test = typeof pred === "string" ? (t: Task) => t.state === pred : pred;
  const deadline = Date.now() + timeoutMs;
  let last: Task | undefined;
  while (Date.now() < deadline) {
    try {
      last = await client.loadTask(id);
      if (test(last)) return last;
    } catch {
      // not stored yet, or deleted
    }
    await Bun.sleep(25);
  }
  throw new Error(`task ${id} did not reach the expected state; last: ${JSON.stringify(last)}`);
}

/** Resolves when `cond` holds, polling every 20ms. */
export async function until(
  cond: () => boolean | Promise<boolean>,
  timeoutMs = 10_000,
  what = "condition",
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(20);
  }
}

/** Base64 of a JSON value, as a task payload. */
export const jsonPayload = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64");

export { Router };
