/**
 * The client facade: what the CLI, the HTTP server, the worker and the scheduler use. Its
 * signatures carry only our own types, never NATS ones.
 */

import { type Enqueuing, enqueueTask, resumeEnqueue } from "./client/enqueue.ts";
import type { ExpiringKeys } from "./client/expiring-keys.ts";
import { KnownQueues } from "./client/known-queues.ts";
import type { ClientOptions } from "./client/options.ts";
import { retryTask } from "./client/retry.ts";
import { TaskSignatures } from "./client/signatures.ts";
import { checkStorage, type StorageCheck } from "./client/storage-check.ts";
import { newUlid } from "./core/ids.ts";
import { assertName } from "./core/names.ts";
import { type Queue, type QueueSpec, type QueueStorage, resolveQueue } from "./core/queue.ts";
import { type Schedule, scheduleTaskOptions, validateSchedule } from "./core/schedule.ts";
import { encodeTask, type NewTaskOptions, newTask, type Task } from "./core/task.ts";
import { formatTimeMs } from "./core/time.ts";
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
  ClientOptions,
  ConnectionOptions,
  ExpiringKeys,
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

export class Client {
  readonly #signatures: TaskSignatures;
  readonly #queues: KnownQueues;
  /** What enqueueing uses of this client (`src/client/enqueue.ts`). */
  readonly #enqueuing: Enqueuing;
  #idempotency: Promise<ExpiringKeys> | undefined;

  private constructor(
    readonly storage: Storage,
    signatures: TaskSignatures,
    readonly now: () => number,
  ) {
    this.#signatures = signatures;
    this.#queues = new KnownQueues(storage.queues, now);
    this.#enqueuing = { storage, now, signatures, queues: this.#queues };
  }

  /** Connects to NATS and prepares the task store and configuration bucket. */
  static async connect(opts: ClientOptions): Promise<Client> {
    // Keys are parsed before connecting, so a bad key fails fast.
    const signatures = new TaskSignatures(opts);
    const now = opts.now ?? Date.now;
    const storage = await Storage.open({ connection: opts.connection, taskStore: opts.taskStore, now });
    return new Client(storage, signatures, now);
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
  checkStorage(): Promise<StorageCheck> {
    return checkStorage(this.storage);
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
  enqueue(task: Task, queue: string, opts: { requireQueue?: boolean } = {}): Promise<Task> {
    return enqueueTask(this.#enqueuing, task, queue, opts);
  }

  /**
   * Finishes an enqueue that may have been cut short after the task was stored (the process died,
   * or NATS went away, between storing the task and publishing its work item): a task still `new`
   * or `blocked` gets its work item again, one left in `queue_error` goes back to `new` (or
   * `blocked`) and gets it too. The item subject holds one message, so this never makes a second
   * item. A task in any other state was enqueued and has moved on: it is returned as it is.
   */
  resumeEnqueue(task: Task): Promise<Task> {
    return resumeEnqueue(this.#enqueuing, task);
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
    this.#signatures.verify(task);
  }

  /** The largest task, as stored JSON in bytes, that the connected NATS server accepts. */
  maxTaskBytes(): number {
    return this.storage.tasks.maxTaskBytes();
  }

  /**
   * Retries a task by id into its own queue, from a fresh start (`src/client/retry.ts` says what
   * that means and what is refused).
   */
  async retryTask(id: string): Promise<Task> {
    return retryTask(this.#enqueuing, await this.loadTask(id));
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
    this.#queues.seen(q.name);
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
    this.#queues.forget(name);
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

function isResolved(q: QueueSpec | Queue): q is Queue {
  return typeof (q as Queue).max_runtime === "number";
}
