/**
 * The rescuer: finds tasks that nothing will ever move again and moves them. A task in a state a
 * worker still has to act on (`new`, `retry`, `blocked`, `active`, `queue_error`) is delivered by
 * its work item, the one message on `CHORIA_AJ.Q.<queue>.<task id>`. When that message is gone
 * (never published, acknowledged although the final save failed, terminated without a save) and
 * nobody has saved the task for longer than the queue's max run time, no worker will ever see it:
 * the rescuer publishes the item again, or marks the task `queue_error` when its queue is gone.
 *
 * Safe beside any number of workers and schedulers, Go or ours: a task whose item exists is never
 * touched; a task saved within the run time (an `active` one still running, an enqueue under way)
 * is left alone; and every change is a revision-checked save of the task as just loaded, so a
 * concurrent writer's update wins and the rescuer leaves that task be. `ajc task rescue` runs it
 * once; the scheduler's leader can run it periodically (`--rescue-every`).
 *
 * A delayed task (`new` or `blocked` with a `run_at`) has no item until its wake-up fires. While
 * the wake-up is stored it is left alone; one whose wake-up is gone before `run_at` is scheduled
 * again; one past `run_at` by DELAYED_GRACE_MS with neither wake-up nor item gets its item.
 */
import type { Client } from "../client.ts";
import { formatGoDuration } from "../core/duration.ts";
import { AjcError } from "../core/errors.ts";
import type { Task, TaskState } from "../core/task.ts";
import { timeMs } from "../core/time.ts";

/** The states a worker still has to act on: a task in one of them needs a work item. */
export const RESCUABLE_STATES: readonly TaskState[] = ["new", "retry", "blocked", "active", "queue_error"];

/** What the rescuer did with one task (or, in a dry run, would do). */
export type RescueAction = "requeued" | "marked" | "left" | "stuck" | "failed";

/** One task the rescuer looked at closely. */
export interface RescueEntry {
  id: string;
  queue: string;
  /** The state it was found in. */
  state: TaskState;
  action: RescueAction;
  /** The state it was (or would be) saved in, for `requeued` and `marked`. */
  to?: TaskState;
  /** Why, for people. */
  reason: string;
}

/** What one rescue run found and did. */
export interface RescueReport {
  dryRun: boolean;
  /** Tasks in a rescuable state that were looked at. */
  checked: number;
  /** Every task that was (or would be) requeued or marked, or that failed; `left` ones too with `verbose`. */
  entries: RescueEntry[];
  requeued: number;
  marked: number;
  left: number;
  /**
   * Tasks whose work item has used up the queue's max deliveries: JetStream keeps it but will never
   * deliver it again. The rescuer does not overrule the queue's max tries; they need a hand.
   */
  stuck: number;
  failed: number;
}

/** Options of a rescue run. */
export interface RescueOptions {
  /** Report what would be done, change nothing. */
  dryRun?: boolean;
  /** Also list the tasks left alone (with why) in `entries`. */
  verbose?: boolean;
  /** Stops the run between tasks. */
  signal?: AbortSignal;
  /**
   * How long after its `run_at` a delayed task with neither a wake-up nor a work item is given
   * before it counts as lost (default DELAYED_GRACE_MS).
   */
  delayedGraceMs?: number;
}

/**
 * How long after its `run_at` a delayed task may still have its work item on the way: the
 * server fired the wake-up (removing it) and the queue has not yet copied the item in.
 */
export const DELAYED_GRACE_MS = 60_000;

/** The prefix of every `last_err` the rescuer writes, so its notes are recognisable. */
export const RESCUE_NOTE = "rescued:";

/**
 * One queue as the run sees it: its max run time and where its consumer stood when first looked
 * at (read before any of its items, which is what makes the dead-item rule sound), or missing.
 */
type QueueState =
  | { runtimeMs: number; delivery: { deliveredStreamSeq: number; ackPending: number; maxDeliver: number } }
  | { missing: true };

/** Finds and repairs stranded tasks once; see the module comment for the rules. */
export async function rescueTasks(client: Client, opts: RescueOptions = {}): Promise<RescueReport> {
  const dryRun = opts.dryRun ?? false;
  const report: RescueReport = {
    dryRun,
    checked: 0,
    entries: [],
    requeued: 0,
    marked: 0,
    left: 0,
    stuck: 0,
    failed: 0,
  };
  const queues = new Map<string, QueueState>();
  const queueState = async (name: string): Promise<QueueState> => {
    let q = queues.get(name);
    if (!q) {
      try {
        const runtimeMs = (await client.queueInfo(name)).max_runtime / 1_000_000;
        q = { runtimeMs, delivery: await client.storage.queues.deliveryState(name) };
      } catch (err) {
        if (!(err instanceof AjcError && err.reason === "queue_not_found")) throw err;
        q = { missing: true };
      }
      queues.set(name, q);
    }
    return q;
  };
  // Collect ids first: each candidate is loaded again (fresh, with its revision) before acting.
  const candidates: { id: string; queue: string; state: TaskState }[] = [];
  for await (const t of client.listTasks({ signal: opts.signal })) {
    if (RESCUABLE_STATES.includes(t.state)) candidates.push({ id: t.id, queue: t.queue, state: t.state });
  }
  for (const c of candidates) {
    if (opts.signal?.aborted) break;
    let entry: RescueEntry | undefined;
    try {
      entry = await rescueOne(client, c, queueState, dryRun, opts.delayedGraceMs ?? DELAYED_GRACE_MS);
    } catch (err) {
      entry = { ...c, action: "failed", reason: message(err) };
    }
    if (!entry) continue;
    report.checked++;
    report[entry.action]++;
    if (entry.action !== "left" || opts.verbose) report.entries.push(entry);
  }
  return report;
}

/** Looks at one task; undefined when it has left the rescuable states (or the store) meanwhile. */
async function rescueOne(
  client: Client,
  listed: { id: string; queue: string; state: TaskState },
  queueState: (name: string) => Promise<QueueState>,
  dryRun: boolean,
  delayedGraceMs: number,
): Promise<RescueEntry | undefined> {
  const id = listed.id;
  // The common case, a queued task with its item, costs one read and is never loaded again.
  if (listed.queue) {
    const q = await queueState(listed.queue);
    if (!("missing" in q)) {
      const item = await itemVerdict(client, q, listed.queue, id);
      if (item !== "none") return itemEntry(listed, item, q);
    }
  }
  let loaded: { task: Task; savedAtMs: number };
  try {
    loaded = await client.storage.tasks.loadStored(id);
  } catch (err) {
    if (err instanceof AjcError && err.reason === "task_not_found") return undefined;
    throw err;
  }
  const { task, savedAtMs } = loaded;
  const state = task.state;
  if (!RESCUABLE_STATES.includes(state)) return undefined;
  const base = { id, queue: task.queue, state };
  const left = (reason: string): RescueEntry => ({ ...base, action: "left", reason });
  if (!task.queue) return left("it has no queue to be delivered from");

  const q = await queueState(task.queue);
  if ("missing" in q) {
    if (state === "queue_error")
      return left(`queue ${task.queue} does not exist; already marked queue_error`);
    const note = `${RESCUE_NOTE} queue ${task.queue} does not exist, so no work item can deliver this task`;
    const entry: RescueEntry = { ...base, action: "marked", to: "queue_error", reason: note };
    if (dryRun) return entry;
    task.state = "queue_error";
    task.last_err = note;
    return (await saveOrLeave(client, task, base)) ?? entry;
  }

  // Asked again after loading: an item published since the listing means it is on its way.
  const item = await itemVerdict(client, q, task.queue, id);
  if (item !== "none") return itemEntry(base, item, q);
  let lostWakeUp = false;
  if (task.run_at && (state === "new" || state === "blocked")) {
    // A delayed task: its wake-up (a message schedule) puts the item in the queue at run_at.
    const runAtMs = timeMs(task.run_at);
    if (await client.storage.delayed.pending(id)) return left(`it waits for its run_at ${task.run_at}`);
    if (runAtMs > client.now()) {
      const note = `${RESCUE_NOTE} its wake-up for run_at ${task.run_at} was lost, so it was scheduled again`;
      const entry: RescueEntry = { ...base, action: "requeued", to: state, reason: note };
      if (dryRun) return entry;
      task.last_err = note;
      const conflict = await saveOrLeave(client, task, base);
      if (conflict) return conflict;
      await client.storage.delayed.schedule(task.queue, id, task.run_at);
      return entry;
    }
    if (client.now() - runAtMs < delayedGraceMs) {
      return left(`it was due at ${task.run_at}, moments ago: its work item is on its way`);
    }
    lostWakeUp = true;
  }
  // The last moment anyone acted on it: its last save, or its last try's start if later.
  const touchedMs = Math.max(savedAtMs, task.tried ? timeMs(task.tried) : 0);
  const idleMs = client.now() - touchedMs;
  if (!lostWakeUp && idleMs < q.runtimeMs) {
    return left(
      `no work item, but it was saved ${formatDuration(idleMs)} ago, within the queue's max run time of ${formatDuration(q.runtimeMs)}`,
    );
  }

  const to = requeuedState(task);
  const why = lostWakeUp
    ? `it was due at ${task.run_at} but its wake-up never put a work item in the queue`
    : state === "active"
      ? `it was active with no work item and untouched for ${formatDuration(idleMs)} (longer than the queue's max run time): its last try's outcome was never stored, so it runs again`
      : `no work item would ever deliver it (untouched for ${formatDuration(idleMs)})`;
  const note = `${RESCUE_NOTE} ${why}`;
  const entry: RescueEntry = { ...base, action: "requeued", to, reason: note };
  if (dryRun) return entry;
  task.state = to;
  task.last_err = withEarlierError(note, task.last_err, state);
  const conflict = await saveOrLeave(client, task, base);
  if (conflict) return conflict;
  try {
    // No dedupe: the item subject holds one message, and there is none now.
    await client.storage.queues.publishItem(task.queue, id, false);
  } catch (err) {
    task.state = "queue_error";
    task.last_err = `${RESCUE_NOTE} publishing its work item failed: ${message(err)}`;
    await client.storage.tasks.save(task).catch(() => {});
    return { ...base, action: "failed", to: "queue_error", reason: task.last_err };
  }
  return entry;
}

/**
 * Whether the task's work item exists and can still be delivered. `dead`: it was delivered (its
 * sequence is at or below the consumer's delivered one) and, when the consumer was looked at,
 * nothing awaited an acknowledgement or a redelivery, under a max-deliveries limit: JetStream
 * will never hand it out again.
 */
async function itemVerdict(
  client: Client,
  q: Extract<QueueState, { runtimeMs: number }>,
  queue: string,
  id: string,
): Promise<"none" | "live" | "dead"> {
  const seq = await client.storage.queues.itemSequence(queue, id);
  if (seq === undefined) return "none";
  const d = q.delivery;
  return d.maxDeliver > 0 && d.ackPending === 0 && seq <= d.deliveredStreamSeq ? "dead" : "live";
}

/** The entry of a task whose item exists: left alone, or stuck when the item is dead. */
function itemEntry(
  base: Pick<RescueEntry, "id" | "queue" | "state">,
  item: "live" | "dead",
  q: Extract<QueueState, { runtimeMs: number }>,
): RescueEntry {
  if (item === "live") return { ...base, action: "left", reason: "its work item is in the queue" };
  return {
    ...base,
    action: "stuck",
    reason: `its work item used up the queue's ${q.delivery.maxDeliver} deliveries, so JetStream keeps it but never delivers it again: retry it by hand (ajc task retry ${base.id}) or raise the queue's max tries`,
  };
}

/** The state a requeued task is saved in: an active one's try failed unseen, so it is a retry. */
function requeuedState(task: Task): TaskState {
  if (task.state === "active") return "retry";
  if (task.state === "queue_error")
    return task.dependencies && task.dependencies.length > 0 ? "blocked" : "new";
  return task.state;
}

/** Keeps a handler's error of a `retry` task beside the note; an older note is replaced. */
function withEarlierError(note: string, earlier: string | undefined, state: TaskState): string {
  if (!earlier || earlier.startsWith(RESCUE_NOTE) || state === "queue_error") return note;
  return `${note} (its last error: ${earlier})`;
}

/** Saves at the revision loaded; when someone saved it meanwhile, their update wins and we leave it. */
async function saveOrLeave(
  client: Client,
  task: Task,
  base: Pick<RescueEntry, "id" | "queue" | "state">,
): Promise<RescueEntry | undefined> {
  try {
    await client.storage.tasks.save(task);
    return undefined;
  } catch (err) {
    if (err instanceof AjcError && err.reason === "task_update_conflict") {
      return { ...base, action: "left", reason: "it was changed by someone else while being checked" };
    }
    throw err;
  }
}

const VERBS: Record<RescueEntry["action"], [done: string, dry: string]> = {
  requeued: ["Requeued", "Would requeue"],
  marked: ["Marked", "Would mark"],
  left: ["Left", "Would leave"],
  stuck: ["Stuck", "Stuck"],
  failed: ["Failed", "Failed"],
};

/** One task's line: what was done, its state change, and why. */
export function rescueLine(e: RescueEntry, dryRun: boolean): string {
  const verb = VERBS[e.action][dryRun ? 1 : 0];
  const change = e.to && e.to !== e.state ? `${e.state} -> ${e.to}` : e.state;
  return `${verb} task ${e.id} (${change}) in queue ${e.queue || "(none)"}: ${e.reason}`;
}

/** The closing line of a run. */
export function rescueSummary(r: RescueReport): string {
  const what = r.dryRun ? "would requeue" : "requeued";
  const mark = r.dryRun ? "would mark" : "marked";
  return `${r.dryRun ? "Dry run: " : ""}checked ${r.checked} unfinished tasks: ${r.requeued} ${what}, ${r.marked} ${mark} queue_error, ${r.left} left alone, ${r.stuck} stuck, ${r.failed} failed`;
}

/** A duration for people, to the second (Go's notation, as the CLI shows durations). */
function formatDuration(ms: number): string {
  return formatGoDuration(Math.max(0, Math.round(ms / 1000)) * 1_000_000_000);
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
