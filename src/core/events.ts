/** Lifecycle events published on core NATS, in the Go library's JSON shapes. */
import type { Task } from "./task.ts";
import { nsSince } from "./time.ts";

export const TASK_STATE_EVENT_TYPE = "io.choria.asyncjobs.v1.task_state";
export const LEADER_ELECTED_EVENT_TYPE = "io.choria.asyncjobs.v1.leader_elected";

export interface TaskStateEvent {
  event_id: string;
  type: typeof TASK_STATE_EVENT_TYPE;
  timestamp: string;
  task_id: string;
  state: string;
  tries: number;
  queue?: string;
  task_type: string;
  last_error?: string;
  /** Nanoseconds since the task was created. */
  task_age?: number;
}

export interface LeaderElectedEvent {
  event_id: string;
  type: typeof LEADER_ELECTED_EVENT_TYPE;
  timestamp: string;
  name: string;
  component: string;
}

/** Builds the state-change event for a task at `nowMs` (unix ms); keys in Go's order. */
export function taskStateEvent(t: Task, eventId: string, nowMs: number, timestamp: string): TaskStateEvent {
  const age = nsSince(t.created, nowMs);
  return {
    event_id: eventId,
    type: TASK_STATE_EVENT_TYPE,
    timestamp,
    task_id: t.id,
    state: t.state,
    tries: t.tries,
    queue: t.queue || undefined,
    task_type: t.type,
    last_error: t.last_err || undefined,
    task_age: age !== undefined && age > 0 ? age : undefined,
  };
}
