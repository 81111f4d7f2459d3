/**
 * The client facade: what the CLI, the HTTP server, the worker and the scheduler use. Its
 * signatures carry only our own types, never NATS ones.
 */
import type { KeyObject } from "node:crypto";
import { AjcError } from "./core/errors.ts";
import { newUlid } from "./core/ids.ts";
import { assertName } from "./core/names.ts";
import { type Queue, type QueueSpec, type QueueStorage, resolveQueue } from "./core/queue.ts";
import { type Schedule, scheduleTaskOptions, validateSchedule } from "./core/schedule.ts";
import { signingKey, signTask, verificationKey, verifyTask } from "./core/signing.ts";
import { encodeTask, isWaiting, type NewTaskOptions, newTask, type Task } from "./core/task.ts";
import { formatTimeMs, timeMs } from "./core/time.ts";
import type { ConnectionOptions } from "./store/connection.ts";
import { DELAYED_MIN_SERVER } from "./store/delayed.ts";
import type { LifecycleEvent } from "./store/events.ts";
import type { QueueInfo } from "./store/queues.ts";
import { type RemoteReply, requestRemote } from "./store/remote.ts";
import { type ReplicaState, raiseCommand, replicaStates, underReplicated } from "./store/replication.ts";
import type { ScheduleChange } from "./store/schedules.ts";
import { Storage } from "./store/storage.ts";
import { SCHEDULER_ELECTION_KEY } from "./store/subjects.ts";
import type { TaskChange, TaskChangeFeed, TaskChangeOptions } from "./store/task-changes.ts";
import type { TaskStoreInfo, TaskStoreOptions } from "./store/tasks.ts";
import { WorkQueueReader, type WorkQueueReaderOptions } from "./store/workqueue.ts";

export type {
  ConnectionOptions,
  LifecycleEvent,
  QueueInfo,
  ReplicaState,
  ScheduleChange,
  TaskChange,
  TaskChangeFeed,
  TaskChangeOptions,
  TaskStoreInfo,
  TaskStoreOptions,
};
export { raiseCommand, underReplicated };

/**
 * Keys that expire after the bucket's TTL, with atomic create and revision-checked update: what the
 * HTTP API keeps its idempotency keys in (shared by every server on the same NATS).
 */
export interface ExpiringKeys {
  readonly ttlMs: number;
  /** Creates `key` if absent: its revision, or undefined when it exists. */
  create(key: string, value: string): Promise<number | undefined>;
  /** Updates `key` if still at `revision`: the new revision, or undefined when it moved on. */
  update(key: string, value: string, revision: number): Promise<number | undefined>;
  get(key: string): Promise<{ value: string; revision: number } | undefined>;
  delete(key: string): Promise<unknown>;
}

/** Options of a client. */
export interface ClientOptions {
  connection: ConnectionOptions;
  /** Used when the task store must be created. */
  taskStore?: TaskStoreOptions;
  /** Hex ed25519 seed: tasks enqueued without a signature are signed with it. */
  signingKey?: string;
  /** Hex ed25519 public key: loaded (and enqueued) tasks must carry a valid signature. */
  verificationKey?: string;
  /** With a verification key, let unsigned tasks through (badly signed ones still fail). */
  signaturesOptional?: boolean;
  /** Clock (unix ms); default Date.now. */
  now?: () => number;
}

/** How long a queue seen to exist is trusted without asking JetStream again. */
const QUEUE_EXISTS_CACHE_MS = 5_000;

/** A schedule name nobody uses: reading it is the configuration bucket's readiness check. */
const READINESS_PROBE_KEY = "ajc-readiness-probe";

/** States from which a task may be enqueued. */
const ENQUEUEABLE = new Set(["new", "retry", "blocked"]);

export class Client {
  readonly #signKey?: KeyObject;
  readonly #verifyKey?: KeyObject;
  readonly #queueSeen = new Map<string, number>();
  #idempotency: Promise<ExpiringKeys> | undefined;

  private constructor(
    readonly storage: Storage,
    private readonly opts: ClientOptions,
    readonly now: () => number,
  ) {
    if (opts.signingKey) this.#signKey = signingKey(opts.signingKey);
    if (opts.verificationKey) this.#verifyKey = verificationKey(opts.verificationKey);
  }

  /** Connects to NATS and prepares the task store and configuration bucket. */
  static async connect(opts: ClientOptions): Promise<Client> {
    // Parse keys before connecting so a bad key fails fast.
    if (opts.signingKey) signingKey(opts.signingKey);
    if (opts.verificationKey) verificationKey(opts.verificationKey);
    const now = opts.now ?? Date.now;
    const storage = await Storage.open({ connection: opts.connection, taskStore: opts.taskStore, now });
    return new Client(storage, opts, now);
  }

  async close(): Promise<void> {
    await this.storage.close();
  }

  /** True while NATS is connected. */
  get connected(): boolean {
    return this.storage.connected;
  }

  /** Throws `storage_not_ready` at once while NATS is not connected. */
  assertConnected(): void {
    this.storage.assertConnected();
  }

  /**
   * Checks that the task store and the configuration bucket answer; each entry is the error of a
   * store that does not (fails fast while NATS is down).
   */
  async checkStorage(): Promise<{ tasks?: AjcError; config?: AjcError }> {
    const asError = (err: unknown) =>
      err instanceof AjcError ? err : new AjcError("internal", String(err), { cause: err });
    const probe = async (fn: () => Promise<unknown>, missingOk?: "schedule_not_found") => {
      try {
        this.storage.assertConnected();
        await fn();
        return undefined;
      } catch (err) {
        if (missingOk && err instanceof AjcError && err.reason === missingOk) return undefined;
        return asError(err);
      }
    };
    const [tasks, config] = await Promise.all([
      probe(() => this.storage.tasks.info()),
      // One direct get on the bucket: a missing key proves it answers, without listing keys.
      probe(() => this.storage.schedules.load(READINESS_PROBE_KEY), "schedule_not_found"),
    ]);
    const out: { tasks?: AjcError; config?: AjcError } = {};
    if (tasks) out.tasks = tasks;
    if (config) out.config = config;
    return out;
  }

  /** The HTTP API's idempotency keys (bucket created when missing, opened once). */
  idempotencyKeys(): Promise<ExpiringKeys> {
    this.storage.assertConnected();
    if (!this.#idempotency) {
      this.#idempotency = this.storage.idempotency();
      this.#idempotency.catch(() => {
        this.#idempotency = undefined;
      });
    }
    return this.#idempotency;
  }

  // ---- tasks ----

  /** Builds a new task (not stored until enqueued). */
  newTask(type: string, payload: string | null, opts: NewTaskOptions = {}): Task {
    return newTask(type, payload, opts, {
      id: () => newUlid(this.now()),
      now: () => formatTimeMs(this.now()),
    });
  }

  /**
   * Enqueues a task into `queue`: checks its state, stores it (publishing the state event), then
   * publishes the work item. A failed publish leaves the task in `queue_error` with `last_err`.
   * With `requireQueue` a queue that does not exist is refused before anything is stored.
   */
  async enqueue(task: Task, queue: string, opts: { requireQueue?: boolean } = {}): Promise<Task> {
    this.storage.assertConnected();
    assertName(queue, "queue_name_invalid", "queue name", "queue");
    if (!ENQUEUEABLE.has(task.state)) {
      throw new AjcError("task_cannot_enqueue", `cannot enqueue a task in state ${task.state}`);
    }
    // Refused before anything is stored: an older server could only run it early.
    const waiting = isWaiting(task, this.now());
    if (waiting) this.storage.delayed.assertAvailable();
    if (opts.requireQueue) await this.assertQueueExists(queue);
    task.queue = queue;
    if (this.#signKey && !task.signature) signTask(task, this.#signKey);
    if (this.#verifyKey) verifyTask(task, this.#verifyKey, this.opts.signaturesOptional);
    await this.storage.tasks.save(task);
    try {
      if (waiting) await this.storage.delayed.schedule(queue, task.id, task.run_at!);
      else await this.storage.queues.publishItem(queue, task.id, task.state !== "retry");
    } catch (err) {
      throw await this.#recordQueueError(task, err);
    }
    return task;
  }

  /**
   * After a work item could not be published: records the task as `queue_error` with the reason,
   * and returns the error to give the caller. When even that save fails (NATS went away between
   * the two writes), the error says the task is stored in its old state without a work item, which
   * is what `ajc task rescue` repairs (or an idempotent replay of the request).
   */
  async #recordQueueError(task: Task, err: unknown): Promise<AjcError> {
    const failure = err instanceof AjcError ? err : new AjcError("internal", String(err), { cause: err });
    const stored = task.state;
    task.state = "queue_error";
    task.last_err = failure.message;
    try {
      await this.storage.tasks.save(task);
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
  async resumeEnqueue(task: Task): Promise<Task> {
    this.storage.assertConnected();
    if (!task.queue) return task;
    if (task.state === "queue_error") {
      task.state = task.dependencies && task.dependencies.length > 0 ? "blocked" : "new";
      delete task.last_err;
      await this.storage.tasks.save(task);
    } else if (task.state !== "new" && task.state !== "blocked") {
      return task;
    }
    if (isWaiting(task, this.now())) await this.storage.delayed.schedule(task.queue, task.id, task.run_at!);
    else await this.storage.queues.publishItem(task.queue, task.id, false);
    return task;
  }

  private async assertQueueExists(queue: string): Promise<void> {
    const seen = this.#queueSeen.get(queue);
    if (seen !== undefined && this.now() - seen < QUEUE_EXISTS_CACHE_MS) return;
    if (!(await this.storage.queues.exists(queue))) {
      this.#queueSeen.delete(queue);
      throw new AjcError("queue_not_found", `queue not found: ${queue}`, { field: "queue" });
    }
    this.#queueSeen.set(queue, this.now());
  }

  /**
   * The task's JSON (`encodeTask`): the text it was just saved as when unchanged since, so an
   * enqueue answered with the task encodes it once.
   */
  taskJson(task: Task): string {
    return this.storage.tasks.savedJson(task) ?? encodeTask(task);
  }

  /**
   * Loads a task; with a verification key its signature is checked (unless `verify: false`, for a
   * caller that checks it itself with `verifySignature` and must still see the task when it fails).
   */
  async loadTask(id: string, opts: { verify?: boolean } = {}): Promise<Task> {
    this.storage.assertConnected();
    assertName(id, "task_id_invalid", "task id", "id");
    const task = await this.storage.tasks.load(id);
    if (opts.verify !== false) this.verifySignature(task);
    return task;
  }

  /**
   * Checks the task's signature against the verification key, when the client has one:
   * `task_not_signed` or `task_signature_invalid` when it fails.
   */
  verifySignature(task: Task): void {
    if (this.#verifyKey) verifyTask(task, this.#verifyKey, this.opts.signaturesOptional);
  }

  /** The largest task, as stored JSON in bytes, that the connected NATS server accepts. */
  maxTaskBytes(): number {
    return this.storage.tasks.maxTaskBytes();
  }

  /**
   * Retries a task by id into its own queue: state `retry`, result cleared, tries counted from 0
   * again (a retry by hand is a fresh start, so a task that expired on max tries runs again),
   * enqueued again (the new work item replaces any old one). An active task is refused, and so is
   * one past its deadline (it could only expire again). A task waiting for its `run_at` runs now:
   * its wake-up is removed first, so it cannot enqueue the task a second time.
   */
  async retryTask(id: string): Promise<Task> {
    const task = await this.loadTask(id);
    if (task.state === "active") {
      throw new AjcError("task_already_active", `task ${id} is active, it cannot be retried now`);
    }
    if (!task.queue) throw new AjcError("queue_name_required", `task ${id} has no queue to retry into`);
    if (task.deadline && timeMs(task.deadline) < this.now()) {
      throw new AjcError(
        "task_past_deadline",
        `task ${id} is past its deadline ${task.deadline}: it would expire again without running; enqueue a new task instead`,
      );
    }
    if (task.run_at) {
      await this.storage.delayed.cancel(id, true);
      delete task.run_at;
    }
    task.state = "retry";
    task.tries = 0;
    delete task.result;
    return this.enqueue(task, task.queue);
  }

  /** Deletes a task, and its wake-up first when it waits for its `run_at`. */
  async deleteTask(id: string): Promise<void> {
    this.storage.assertConnected();
    assertName(id, "task_id_invalid", "task id", "id");
    await this.storage.delayed.cancel(id);
    await this.storage.tasks.delete(id);
  }

  /**
   * Whether tasks with a `run_at` can be created on the connected server, its version, and the
   * oldest version that can.
   */
  delayedTasks(): { available: boolean; server: string; needs: string } {
    return {
      available: this.storage.delayed.available(),
      server: this.storage.delayed.serverVersion(),
      needs: DELAYED_MIN_SERVER,
    };
  }

  /** Streams stored tasks, oldest first (see TaskStore.list). */
  async *listTasks(opts: { limit?: number; signal?: AbortSignal } = {}): AsyncIterable<Task> {
    this.storage.assertConnected();
    yield* this.storage.tasks.list(opts);
  }

  /**
   * Streams stored tasks oldest first with the task-store sequence of each, from after
   * `afterSeq` on: a cursor for paging (see TaskStore.entries).
   */
  async *listTaskEntries(
    opts: { limit?: number; signal?: AbortSignal; afterSeq?: number } = {},
  ): AsyncIterable<TaskChange> {
    this.storage.assertConnected();
    yield* this.storage.tasks.entries(opts);
  }

  /** The task-store sequence of the newest stored change (0 when the store is empty). */
  async lastTaskSeq(): Promise<number> {
    this.storage.assertConnected();
    return this.storage.lastTaskSeq();
  }

  async taskStoreInfo(): Promise<TaskStoreInfo> {
    this.storage.assertConnected();
    return this.storage.tasks.info();
  }

  /**
   * The name the leading scheduler (`ajc task cron scheduler`, or a Go one) wrote to its election
   * key, or undefined when none leads. Opens the elections bucket, creating it when missing, as a
   * scheduler would.
   */
  async schedulerLeader(): Promise<string | undefined> {
    this.storage.assertConnected();
    return (await (await this.storage.elections()).get(SCHEDULER_ELECTION_KEY))?.value;
  }

  async countTasks(): Promise<number> {
    this.storage.assertConnected();
    return this.storage.tasks.count();
  }

  /** Removes every task, and every wake-up of a delayed one (there is no task left to wake). */
  async purgeTasks(): Promise<void> {
    await this.storage.tasks.purge();
    await this.storage.delayed.cancelAll();
  }

  /** Replicas, leader and lagging followers of every stream and bucket of the layout. */
  async replication(): Promise<ReplicaState[]> {
    this.storage.assertConnected();
    return replicaStates(this.storage.jet);
  }

  /**
   * Opens (creating with the client's replicas when missing) the elections and idempotency buckets
   * beside the task store, so `ajc task initialize --replicas N` prepares every bucket at once.
   */
  async prepareBuckets(): Promise<void> {
    this.storage.assertConnected();
    await this.storage.elections();
    await this.idempotencyKeys();
  }

  async configureTaskStore(retentionNs: number, replicas: number): Promise<void> {
    return this.storage.tasks.configure(retentionNs, replicas);
  }

  // ---- queues ----

  /** Creates a queue from a spec (`queue_already_exists` when it exists). */
  async createQueue(spec: QueueSpec | Queue, storage: QueueStorage = {}): Promise<QueueInfo> {
    this.storage.assertConnected();
    const q = isResolved(spec) ? spec : resolveQueue(spec);
    const info = await this.storage.queues.create(q, storage);
    this.#queueSeen.set(q.name, this.now());
    return info;
  }

  /** Loads a queue, creating it with `spec`'s settings when missing. */
  async ensureQueue(spec: QueueSpec | Queue, storage: QueueStorage = {}): Promise<QueueInfo> {
    this.storage.assertConnected();
    return this.storage.queues.ensure(isResolved(spec) ? spec : resolveQueue(spec), storage);
  }

  async queueInfo(name: string): Promise<QueueInfo> {
    this.storage.assertConnected();
    return this.storage.queues.info(name);
  }

  async listQueues(): Promise<QueueInfo[]> {
    this.storage.assertConnected();
    return this.storage.queues.list();
  }

  async countQueues(): Promise<number> {
    this.storage.assertConnected();
    return this.storage.queues.names().then((n) => n.length);
  }

  async purgeQueue(name: string): Promise<void> {
    this.storage.assertConnected();
    return this.storage.queues.purge(name);
  }

  async deleteQueue(name: string): Promise<void> {
    this.storage.assertConnected();
    this.#queueSeen.delete(name);
    await this.storage.queues.delete(name);
  }

  async configureQueue(q: Queue, storage: QueueStorage = {}): Promise<QueueInfo> {
    this.storage.assertConnected();
    return this.storage.queues.configure(q, storage);
  }

  // ---- schedules ----

  /** Stores a new schedule (`schedule_already_exists` when the name is taken). */
  async createSchedule(s: Schedule): Promise<Schedule> {
    this.storage.assertConnected();
    validateSchedule(s);
    await this.storage.schedules.create(s);
    return s;
  }

  async loadSchedule(name: string): Promise<Schedule> {
    this.storage.assertConnected();
    return this.storage.schedules.load(name);
  }

  /**
   * Replaces a stored schedule (`schedule_not_found` when there is none), keeping its
   * `created_at` and, when paused, its pause. Returns it as stored.
   */
  async replaceSchedule(s: Schedule): Promise<Schedule> {
    this.storage.assertConnected();
    validateSchedule(s);
    return this.storage.schedules.replace(s, formatTimeMs(this.now()));
  }

  /** Pauses a schedule: no scheduler fires it, Go's included, until it is resumed. */
  async pauseSchedule(name: string): Promise<Schedule> {
    this.storage.assertConnected();
    return this.storage.schedules.pause(name, formatTimeMs(this.now()));
  }

  /** Resumes a paused schedule (an active one is returned as it is). */
  async resumeSchedule(name: string): Promise<Schedule> {
    this.storage.assertConnected();
    return this.storage.schedules.resume(name);
  }

  /**
   * Enqueues the schedule's task once, now, as a firing would make it (its queue, type, payload,
   * max tries and deadline offset) with an id of its own; paused schedules too. The queue must
   * exist (`queue_not_found`).
   */
  async triggerSchedule(name: string): Promise<Task> {
    const s = await this.loadSchedule(name);
    const task = this.newTask(s.task_type, s.payload, scheduleTaskOptions(s, this.now()));
    return this.enqueue(task, s.queue, { requireQueue: true });
  }

  async deleteSchedule(name: string): Promise<void> {
    this.storage.assertConnected();
    return this.storage.schedules.delete(name);
  }

  async listSchedules(): Promise<Schedule[]> {
    this.storage.assertConnected();
    return this.storage.schedules.list();
  }

  watchSchedules(signal?: AbortSignal): AsyncIterable<ScheduleChange> {
    return this.storage.schedules.watch(signal);
  }

  // ---- events ----

  /**
   * Opens a feed of task changes from a task-store sequence on: each task saved after
   * `afterSeq` (default: now), at its latest state, once (see store/task-changes.ts).
   */
  async watchTaskChanges(opts: TaskChangeOptions = {}): Promise<TaskChangeFeed> {
    this.storage.assertConnected();
    return this.storage.taskChanges(opts);
  }

  watchEvents(opts: { taskId?: string; signal?: AbortSignal } = {}): AsyncIterable<{
    subject: string;
    event: LifecycleEvent;
  }> {
    return this.storage.watchEvents(opts);
  }

  // ---- for the worker ----

  /** Stores a task as it is (a worker's state change); no queue is touched. */
  async saveTask(task: Task): Promise<void> {
    await this.storage.tasks.save(task);
  }

  /**
   * Deletes a task a worker was told to discard; its state event is still published. A task
   * already gone is `task_not_found`.
   */
  async discardTask(task: Task): Promise<void> {
    this.storage.events.taskState(task);
    await this.storage.tasks.delete(task.id);
  }

  /** Sends a task to a request-reply handler and waits for its answer (see `requestRemote`). */
  requestRemote(
    subject: string,
    body: string | Uint8Array,
    headers: Record<string, string>,
    timeoutMs: number,
  ): Promise<RemoteReply> {
    return requestRemote(this.storage, subject, body, headers, timeoutMs);
  }

  /** A reader of a queue's work items through its `WORKERS` consumer; `start()` it. */
  workQueueReader(opts: WorkQueueReaderOptions): WorkQueueReader {
    return new WorkQueueReader(this.storage.jet, opts);
  }

  /** Resolves when the connection to NATS has closed for good. */
  async closed(): Promise<void> {
    await this.storage.nc.closed();
  }
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function isResolved(q: QueueSpec | Queue): q is Queue {
  return typeof (q as Queue).max_runtime === "number";
}
