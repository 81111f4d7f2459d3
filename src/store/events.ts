/** Lifecycle events on core NATS: fire-and-forget publishes, and a subscription for watchers. */
import type { NatsConnection } from "@nats-io/nats-core";
import {
  LEADER_ELECTED_EVENT_TYPE,
  type LeaderElectedEvent,
  type TaskStateEvent,
  taskStateEvent,
} from "../core/events.ts";
import { newUlid } from "../core/ids.ts";
import type { Task } from "../core/task.ts";
import { formatTimeMs } from "../core/time.ts";
import { Outbox } from "./outbox.ts";
import { EVENTS_WILDCARD, leaderEventSubject, taskStateEventSubject } from "./subjects.ts";

export class EventPublisher {
  /** `outbox`: the connection's (one is made when none is given). */
  constructor(
    nc: NatsConnection,
    private readonly now: () => number = Date.now,
    private readonly outbox: Outbox = new Outbox(nc),
  ) {}

  /** Publishes a task's state-change event; never throws (events are best effort, as in Go). */
  taskState(t: Task): void {
    const nowMs = this.now();
    const e = taskStateEvent(t, newUlid(nowMs), nowMs, formatTimeMs(nowMs));
    this.publish(taskStateEventSubject(t.id), JSON.stringify(e));
  }

  /** Publishes the leader-elected event of a component. */
  leaderElected(name: string, component: string): void {
    const nowMs = this.now();
    const e: LeaderElectedEvent = {
      event_id: newUlid(nowMs),
      type: LEADER_ELECTED_EVENT_TYPE,
      timestamp: formatTimeMs(nowMs),
      name,
      component,
    };
    this.publish(leaderEventSubject(component), JSON.stringify(e));
  }

  private publish(subject: string, body: string): void {
    // A closed or draining connection drops the event; the state change itself is stored.
    this.outbox.publish(subject, body);
  }
}

/** A lifecycle event as received by a watcher. */
export type LifecycleEvent = (TaskStateEvent | LeaderElectedEvent | Record<string, unknown>) & {
  type: string;
};

/** Yields every lifecycle event (optionally of one task) until `signal` aborts. */
export async function* watchEvents(
  nc: NatsConnection,
  opts: { taskId?: string; signal?: AbortSignal } = {},
): AsyncIterable<{ subject: string; event: LifecycleEvent }> {
  const sub = nc.subscribe(opts.taskId ? taskStateEventSubject(opts.taskId) : EVENTS_WILDCARD);
  const stop = () => sub.unsubscribe();
  opts.signal?.addEventListener("abort", stop, { once: true });
  try {
    for await (const m of sub) {
      try {
        yield { subject: m.subject, event: m.json<LifecycleEvent>() };
      } catch {
        // not JSON: not one of ours
      }
    }
  } finally {
    opts.signal?.removeEventListener("abort", stop);
    sub.unsubscribe();
  }
}
