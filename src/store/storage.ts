/**
 * Everything the library stores, opened over one NATS connection: the task store, the queues, the
 * schedules bucket and the event publisher. The only entry point from the client into NATS.
 */
import type { NatsConnection } from "@nats-io/nats-core";
import { AjcError } from "../core/errors.ts";
import { type ConnectionOptions, openConnection } from "./connection.ts";
import { DelayedStore } from "./delayed.ts";
import { EventPublisher, type LifecycleEvent, watchEvents } from "./events.ts";
import { ExpiringBucket } from "./expiring-bucket.ts";
import { type Jet, openJet } from "./jet.ts";
import { QueueStore } from "./queues.ts";
import { ScheduleStore } from "./schedules.ts";
import { lastTaskSeq, openTaskChanges, type TaskChangeFeed, type TaskChangeOptions } from "./task-changes.ts";
import { TaskStore, type TaskStoreOptions, validateReplicas } from "./tasks.ts";

export interface StorageOpenOptions {
  connection: ConnectionOptions;
  /**
   * Settings used when the task store and configuration bucket must be created. Its `replicas` is
   * also what the elections and idempotency buckets and queues created without a count get.
   */
  taskStore?: TaskStoreOptions;
  /** Clock for event timestamps. */
  now?: () => number;
}

export class Storage {
  readonly tasks: TaskStore;
  readonly queues: QueueStore;
  readonly events: EventPublisher;
  /** Wake-ups of delayed tasks (`run_at`). */
  readonly delayed: DelayedStore;
  #connected = true;

  private constructor(
    readonly jet: Jet,
    readonly schedules: ScheduleStore,
    now: () => number,
    /** Replicas of every stream and bucket this storage creates. */
    readonly replicas: number,
  ) {
    this.events = new EventPublisher(jet.nc, now, jet.outbox);
    this.tasks = new TaskStore(jet, this.events);
    this.queues = new QueueStore(jet, replicas);
    this.delayed = new DelayedStore(jet, now);
    this.trackConnection(jet.nc);
  }

  /** Connects and prepares the task store and the configuration bucket. */
  static async open(opts: StorageOpenOptions): Promise<Storage> {
    const nc = await openConnection(opts.connection);
    try {
      const jet = await openJet(nc);
      const taskStore = new TaskStore(jet, new EventPublisher(nc, Date.now, jet.outbox));
      await taskStore.prepare(opts.taskStore);
      const schedules = await ScheduleStore.open(jet, opts.taskStore);
      return new Storage(jet, schedules, opts.now ?? Date.now, validateReplicas(opts.taskStore?.replicas));
    } catch (err) {
      await nc.close().catch(() => {});
      throw err;
    }
  }

  get nc(): NatsConnection {
    return this.jet.nc;
  }

  /** False while the connection to NATS is down (callers fail fast instead of waiting). */
  get connected(): boolean {
    return this.#connected && !this.jet.nc.isClosed();
  }

  /** Throws `storage_not_ready` at once when NATS is not connected. */
  assertConnected(): void {
    if (!this.connected) throw new AjcError("storage_not_ready", "NATS is not connected");
  }

  /** The elections bucket (created when missing). */
  elections(): Promise<ExpiringBucket> {
    return ExpiringBucket.elections(this.jet, this.replicas);
  }

  /** The HTTP API's idempotency-key bucket (created when missing). */
  idempotency(): Promise<ExpiringBucket> {
    return ExpiringBucket.idempotency(this.jet, this.replicas);
  }

  /** Lifecycle events as they happen. */
  watchEvents(
    opts: { taskId?: string; signal?: AbortSignal } = {},
  ): AsyncIterable<{ subject: string; event: LifecycleEvent }> {
    return watchEvents(this.jet.nc, opts);
  }

  /** Task changes as they are stored, from a stream sequence on (see task-changes.ts). */
  taskChanges(opts: TaskChangeOptions = {}): Promise<TaskChangeFeed> {
    return openTaskChanges(this.jet, opts);
  }

  /** The sequence of the newest message in the task store. */
  lastTaskSeq(): Promise<number> {
    return lastTaskSeq(this.jet);
  }

  /** Flushes pending publishes and closes the connection. */
  async close(): Promise<void> {
    if (this.jet.nc.isClosed()) return;
    this.jet.outbox.flush();
    try {
      await this.jet.nc.drain();
    } catch {
      await this.jet.nc.close().catch(() => {});
    }
  }

  private async trackConnection(nc: NatsConnection): Promise<void> {
    for await (const s of nc.status()) {
      if (s.type === "disconnect" || s.type === "reconnecting") this.#connected = false;
      else if (s.type === "reconnect") this.#connected = true;
    }
  }
}
