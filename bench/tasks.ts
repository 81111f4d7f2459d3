/**
 * Tasks as the product stores them (built and encoded by ajc's own core), and the pipelined fill
 * that puts many of them into the task store and a queue quickly, straight through JetStream.
 */
import { type JetStreamClient, jetstream } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/nats-core";
import { ulid } from "ulid";
import { encodeTask, newTask, payloadFromJson, type Task } from "../src/core/task.ts";
import { formatTimeMs } from "../src/core/time.ts";
import { taskSubject, workItemSubject } from "../src/store/subjects.ts";

/** The task type every benchmark task has. */
export const BENCH_TYPE = "bench";
/** What `POST /v1/tasks` sends: `{"type":"bench","payload":{"n":1}}`. */
export const BENCH_PAYLOAD = payloadFromJson({ n: 1 });

const encoder = new TextEncoder();

/** A new task in `queue`, exactly as the server builds one for the benchmark's POST body. */
export function benchTask(queue: string): Task {
  const now = Date.now();
  const t = newTask(BENCH_TYPE, BENCH_PAYLOAD, {}, { id: () => ulid(now), now: () => formatTimeMs(now) });
  t.queue = queue;
  return t;
}

/** A work item body `{"kind":0,"job":"<id>"}`. */
export function workItem(id: string): string {
  return `{"kind":0,"job":"${id}"}`;
}

/**
 * Stores `count` new tasks (and, with `queue`, enqueues their work items) with up to `window`
 * publishes in flight. Returns the ids in the order stored.
 */
export async function fillTasks(
  nc: NatsConnection,
  count: number,
  opts: { queue?: string; window?: number } = {},
): Promise<string[]> {
  const js: JetStreamClient = jetstream(nc, { timeout: 30_000 });
  const window = opts.window ?? 512;
  const ids: string[] = new Array(count);
  let next = 0;
  const lane = async () => {
    while (next < count) {
      const i = next++;
      const t = benchTask(opts.queue ?? "");
      ids[i] = t.id;
      await js.publish(taskSubject(t.id), encoder.encode(encodeTask(t)), {
        expect: { lastSubjectSequence: 0 },
      });
      if (opts.queue) await js.publish(workItemSubject(opts.queue, t.id), workItem(t.id), { msgID: t.id });
    }
  };
  await Promise.all(Array.from({ length: Math.min(window, count) }, lane));
  return ids;
}
