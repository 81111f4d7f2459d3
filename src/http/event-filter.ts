/**
 * The query of `GET /v1/events`: which events a stream carries (`kind`), of which tasks (`task`,
 * `type`, `queue`, `state`), and where it resumes (`Last-Event-ID`, or `after` for a first
 * connection). Parsed and checked before the stream opens, so a bad query is a 400 envelope.
 */

import { AjcError } from "../core/errors.ts";
import { LEADER_ELECTED_EVENT_TYPE, TASK_STATE_EVENT_TYPE } from "../core/events.ts";
import { assertName } from "../core/names.ts";
import { parseTaskState, type Task, type TaskState } from "../core/task.ts";

/** The kinds of event a stream can carry; each is also the SSE `event:` name. */
export const EVENT_KINDS = ["task", "task_state", "leader_elected"] as const;
export type EventKind = (typeof EVENT_KINDS)[number];

/** Most `task` parameters one stream may name. */
export const EVENTS_MAX_TASK_IDS = 100;

/** A parsed events query. */
export interface EventFilter {
  kinds: Set<EventKind>;
  taskIds?: string[];
  type?: string;
  queue?: string;
  states?: Set<TaskState>;
  /** Resume after this task-store sequence; undefined: from now on. */
  afterSeq?: number;
}

function cursorOf(text: string, field: string): number {
  if (!/^\d{1,15}$/.test(text.trim())) {
    throw new AjcError("invalid_argument", `${field} must be an event id this server sent (a number)`, {
      field,
    });
  }
  return Number(text.trim());
}

/** Parses the query string and the `Last-Event-ID` header (which wins over `after`). */
export function parseEventFilter(query: string, lastEventId: string | undefined): EventFilter {
  const p = new URLSearchParams(query);
  const kinds = p.getAll("kind");
  const f: EventFilter = { kinds: new Set(kinds.length === 0 ? EVENT_KINDS : []) };
  for (const k of kinds) {
    if (!(EVENT_KINDS as readonly string[]).includes(k)) {
      throw new AjcError("invalid_argument", `kind must be one of ${EVENT_KINDS.join(", ")}`, {
        field: "kind",
      });
    }
    f.kinds.add(k as EventKind);
  }
  // Leader elections are about no task: a stream filtered to tasks carries them only when asked.
  const tasks = p.getAll("task");
  if (tasks.length > EVENTS_MAX_TASK_IDS) {
    throw new AjcError("invalid_argument", `at most ${EVENTS_MAX_TASK_IDS} task parameters`, {
      field: "task",
    });
  }
  if (tasks.length > 0) f.taskIds = tasks.map((t) => assertName(t, "task_id_invalid", "task id", "task"));
  const type = p.get("type");
  if (type) f.type = type;
  const queue = p.get("queue");
  if (queue) f.queue = queue;
  const states = p.getAll("state");
  if (states.length > 0) {
    f.states = new Set();
    for (const s of states) {
      const state = parseTaskState(s);
      if (!state)
        throw new AjcError("invalid_argument", `unknown task state ${JSON.stringify(s)}`, { field: "state" });
      f.states.add(state);
    }
  }
  const taskFiltered = f.taskIds || f.type || f.queue || f.states;
  if (taskFiltered && kinds.length === 0) f.kinds.delete("leader_elected");
  if (lastEventId !== undefined && lastEventId.trim() !== "")
    f.afterSeq = cursorOf(lastEventId, "Last-Event-ID");
  else if (p.get("after") !== null) f.afterSeq = cursorOf(p.get("after")!, "after");
  return f;
}

/** True when a stored task passes the filter's task conditions. */
export function taskMatches(f: EventFilter, t: Task): boolean {
  if (f.taskIds && !f.taskIds.includes(t.id)) return false;
  if (f.type !== undefined && t.type !== f.type) return false;
  if (f.queue !== undefined && t.queue !== f.queue) return false;
  if (f.states && !f.states.has(t.state)) return false;
  return true;
}

/** The kind of a lifecycle event, undefined for types this API does not forward. */
export function lifecycleKind(type: string): EventKind | undefined {
  if (type === TASK_STATE_EVENT_TYPE) return "task_state";
  if (type === LEADER_ELECTED_EVENT_TYPE) return "leader_elected";
  return undefined;
}

/** True when a lifecycle event of `kind` passes the filter. */
export function lifecycleMatches(f: EventFilter, kind: EventKind, e: Record<string, unknown>): boolean {
  if (!f.kinds.has(kind)) return false;
  if (kind !== "task_state") return true;
  if (f.taskIds && !f.taskIds.includes(String(e.task_id))) return false;
  if (f.type !== undefined && e.task_type !== f.type) return false;
  if (f.queue !== undefined && (e.queue ?? "") !== f.queue) return false;
  if (f.states && !f.states.has(e.state as TaskState)) return false;
  return true;
}
