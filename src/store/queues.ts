/**
 * Work queues: a work-queue stream `CHORIA_AJ_Q_<name>` per queue with the durable pull consumer
 * `WORKERS`, configured exactly as the Go library does.
 */
import {
  AckPolicy,
  type ConsumerConfig,
  type ConsumerInfo,
  DeliverPolicy,
  DiscardPolicy,
  RetentionPolicy,
  StorageType,
  type StreamConfig,
  type StreamInfo,
} from "@nats-io/jetstream";
import { headers, type MsgHdrs } from "@nats-io/nats-core";
import { AjcError } from "../core/errors.ts";
import { assertQueueName } from "../core/names.ts";
import { defaultQueue, type Queue, type QueueStorage } from "../core/queue.ts";
import {
  isNoResponders,
  isUnavailable,
  JS_CLUSTER_UNAVAILABLE,
  JS_CONSUMER_NOT_FOUND,
  JS_STREAM_NOT_FOUND,
  jsCode,
  toAjcError,
} from "./errors.ts";
import type { Jet } from "./jet.ts";
import {
  QUEUE_DESCRIPTION,
  QUEUE_STREAM_PREFIX,
  QUEUES_WILDCARD,
  queueStream,
  queueSubjects,
  WORK_ITEM_KIND_TASK,
  WORKERS_CONSUMER,
  workItemSubject,
} from "./subjects.ts";
import { duplicateWindow, validateReplicas } from "./tasks.ts";

/** A queue with what its stream and consumer say about it now. */
export interface QueueInfo extends Queue {
  /** When the information was read (RFC 3339). */
  time: string;
  /** Work items waiting or in flight. */
  entries: number;
  bytes: number;
  /** Items delivered but not yet acknowledged. */
  in_flight: number;
  memory: boolean;
  replicas: number;
}

function streamConfig(q: Queue, storage: QueueStorage): Partial<StreamConfig> & { name: string } {
  return {
    name: queueStream(q.name),
    subjects: [queueSubjects(q.name)],
    description: QUEUE_DESCRIPTION,
    retention: RetentionPolicy.Workqueue,
    discard: q.discard_old ? DiscardPolicy.Old : DiscardPolicy.New,
    max_msgs_per_subject: 1,
    max_age: q.max_age,
    max_msgs: q.max_entries > 0 ? q.max_entries : -1,
    num_replicas: validateReplicas(storage.replicas),
    storage: storage.memory ? StorageType.Memory : StorageType.File,
  };
}

function consumerConfig(q: Queue): Partial<ConsumerConfig> {
  return {
    durable_name: WORKERS_CONSUMER,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    ack_wait: q.max_runtime,
    max_ack_pending: q.max_concurrent,
    max_deliver: q.max_tries > 0 ? q.max_tries : -1,
  };
}

function queueFrom(si: StreamInfo, ci: ConsumerInfo | undefined): QueueInfo {
  const name = si.config.name.slice(QUEUE_STREAM_PREFIX.length);
  const base = defaultQueue(name);
  return {
    name,
    time: new Date().toISOString(),
    max_age: si.config.max_age,
    max_entries: si.config.max_msgs > 0 ? si.config.max_msgs : -1,
    discard_old: si.config.discard === DiscardPolicy.Old,
    max_tries: ci ? (ci.config.max_deliver ?? -1) : base.max_tries,
    max_runtime: ci ? (ci.config.ack_wait ?? base.max_runtime) : base.max_runtime,
    max_concurrent: ci ? (ci.config.max_ack_pending ?? base.max_concurrent) : base.max_concurrent,
    entries: si.state.messages,
    bytes: si.state.bytes,
    in_flight: ci ? ci.num_ack_pending : 0,
    memory: si.config.storage === StorageType.Memory,
    replicas: si.config.num_replicas,
  };
}

export class QueueStore {
  /** `defaultReplicas`: for a queue created without a replica count (the server's `--replicas`). */
  constructor(
    private readonly jet: Jet,
    private readonly defaultReplicas = 1,
  ) {}

  /** Creates a queue (`queue_already_exists` when its stream exists). */
  async create(q: Queue, storage: QueueStorage = {}): Promise<QueueInfo> {
    assertQueueName(q.name);
    if (await this.exists(q.name)) {
      throw new AjcError("queue_already_exists", `queue ${q.name} already exists`, { field: "name" });
    }
    return this.ensure(q, storage);
  }

  /** Loads a queue, creating its stream and consumer with `q`'s settings where missing. */
  async ensure(q: Queue, storage: QueueStorage = {}): Promise<QueueInfo> {
    assertQueueName(q.name);
    const what = `queue ${q.name}`;
    let si: StreamInfo;
    try {
      si = await this.jet.jsm.streams.info(queueStream(q.name));
    } catch (err) {
      if (jsCode(err) !== JS_STREAM_NOT_FOUND) throw toAjcError(err, what);
      try {
        const replicas = storage.replicas ?? this.defaultReplicas;
        si = await this.jet.jsm.streams.add(streamConfig(q, { ...storage, replicas }));
      } catch (addErr) {
        throw toAjcError(addErr, `creating ${what}`);
      }
    }
    let ci: ConsumerInfo;
    try {
      ci = await this.jet.jsm.consumers.info(queueStream(q.name), WORKERS_CONSUMER);
    } catch (err) {
      if (jsCode(err) !== JS_CONSUMER_NOT_FOUND) throw toAjcError(err, what);
      try {
        ci = await this.jet.jsm.consumers.add(queueStream(q.name), consumerConfig(q));
      } catch (addErr) {
        throw toAjcError(addErr, `creating ${what}`);
      }
    }
    return queueFrom(si, ci);
  }

  /** True when the queue's stream exists. */
  async exists(name: string): Promise<boolean> {
    try {
      await this.jet.jsm.streams.info(queueStream(name));
      return true;
    } catch (err) {
      if (jsCode(err) === JS_STREAM_NOT_FOUND) return false;
      throw toAjcError(err, `queue ${name}`);
    }
  }

  /** Reads a queue's settings and state (`queue_not_found`). */
  async info(name: string): Promise<QueueInfo> {
    assertQueueName(name);
    const what = `queue ${name}`;
    let si: StreamInfo;
    try {
      si = await this.jet.jsm.streams.info(queueStream(name));
    } catch (err) {
      throw toAjcError(err, what, "queue_not_found");
    }
    let ci: ConsumerInfo | undefined;
    try {
      ci = await this.jet.jsm.consumers.info(queueStream(name), WORKERS_CONSUMER);
    } catch (err) {
      if (jsCode(err) !== JS_CONSUMER_NOT_FOUND) throw toAjcError(err, what);
    }
    return queueFrom(si, ci);
  }

  /** Names of every queue, sorted. */
  async names(): Promise<string[]> {
    try {
      const names: string[] = [];
      for await (const n of this.jet.jsm.streams.names(QUEUES_WILDCARD)) {
        if (n.startsWith(QUEUE_STREAM_PREFIX)) names.push(n.slice(QUEUE_STREAM_PREFIX.length));
      }
      return names.sort();
    } catch (err) {
      throw toAjcError(err, "listing queues");
    }
  }

  /** Every queue with its state. */
  async list(): Promise<QueueInfo[]> {
    const out: QueueInfo[] = [];
    for (const n of await this.names()) {
      try {
        out.push(await this.info(n));
      } catch (err) {
        // deleted between listing and reading: skip
        if (!(err instanceof AjcError && err.reason === "queue_not_found")) throw err;
      }
    }
    return out;
  }

  /** Removes every work item of a queue. */
  async purge(name: string): Promise<void> {
    assertQueueName(name);
    try {
      await this.jet.jsm.streams.purge(queueStream(name));
    } catch (err) {
      throw toAjcError(err, `purging queue ${name}`, "queue_not_found");
    }
  }

  /** Deletes a queue with its work items. */
  async delete(name: string): Promise<void> {
    assertQueueName(name);
    try {
      await this.jet.jsm.streams.delete(queueStream(name));
    } catch (err) {
      throw toAjcError(err, `deleting queue ${name}`, "queue_not_found");
    }
  }

  /** Changes a queue's settings in place (stream and consumer). */
  async configure(q: Queue, storage: QueueStorage = {}): Promise<QueueInfo> {
    const current = await this.info(q.name);
    const stream = queueStream(q.name);
    try {
      const si = await this.jet.jsm.streams.info(stream);
      // Storage type cannot change on a live stream: keep what it has.
      const replicas = storage.replicas ?? current.replicas;
      const { storage: _keep, ...next } = streamConfig(q, { memory: current.memory, replicas });
      await this.jet.jsm.streams.update(stream, {
        ...si.config,
        ...next,
        duplicate_window: duplicateWindow(si.config.duplicate_window, q.max_age),
      });
      const consumer = {
        ack_wait: q.max_runtime,
        max_ack_pending: q.max_concurrent,
        max_deliver: q.max_tries > 0 ? q.max_tries : -1,
        // A consumer keeps the replica count it was made with when its stream's changes: without
        // this, a queue raised to R3 would still lose its WORKERS consumer with one node.
        num_replicas: replicas,
      };
      // Right after its stream's peers change, the consumer may be electing a leader and not
      // answer (nats-server 2.9 does this): a few tries before giving up.
      for (let attempt = 1; ; attempt++) {
        try {
          await this.jet.jsm.consumers.update(stream, WORKERS_CONSUMER, consumer);
          break;
        } catch (err) {
          const transient = isUnavailable(err) || JS_CLUSTER_UNAVAILABLE.has(jsCode(err) ?? 0);
          if (!transient || replicas === current.replicas || attempt >= 4) throw err;
          await new Promise((r) => setTimeout(r, 1_000));
        }
      }
    } catch (err) {
      throw toAjcError(err, `configuring queue ${q.name}`, "queue_not_found");
    }
    return this.info(q.name);
  }

  /**
   * True when the queue holds a work item for `taskId` (waiting, or delivered and not yet
   * acknowledged): a direct read of the last message on the item's subject, never a consumer, so
   * it disturbs no delivery. A missing queue is `queue_not_found`.
   */
  async hasItem(queue: string, taskId: string): Promise<boolean> {
    return (await this.itemSequence(queue, taskId)) !== undefined;
  }

  /** The stream sequence of the task's work item, or undefined when there is none (see `hasItem`). */
  async itemSequence(queue: string, taskId: string): Promise<number | undefined> {
    try {
      const sm = await this.jet.jsm.streams.getMessage(queueStream(queue), {
        last_by_subj: workItemSubject(queue, taskId),
      });
      return sm ? sm.seq : undefined;
    } catch (err) {
      throw toAjcError(err, `reading the work item of task ${taskId} in queue ${queue}`, "queue_not_found");
    }
  }

  /**
   * Where the queue's `WORKERS` consumer stands: the highest stream sequence it has delivered,
   * how many deliveries await an acknowledgement (or a redelivery), and its max deliveries (-1:
   * unlimited). An item at or below `deliveredStreamSeq` while nothing awaits an acknowledgement
   * has used up its deliveries: JetStream keeps it in the stream but never delivers it again.
   */
  async deliveryState(
    queue: string,
  ): Promise<{ deliveredStreamSeq: number; ackPending: number; maxDeliver: number }> {
    try {
      const ci = await this.jet.jsm.consumers.info(queueStream(queue), WORKERS_CONSUMER);
      return {
        deliveredStreamSeq: ci.delivered.stream_seq,
        ackPending: ci.num_ack_pending,
        maxDeliver: ci.config.max_deliver ?? -1,
      };
    } catch (err) {
      throw toAjcError(err, `queue ${queue}`, "queue_not_found");
    }
  }

  /**
   * Publishes a task's work item `{"kind":0,"job":"<id>"}`. With `dedupe` the task id is the
   * message id, so a second publish within the duplicate window is refused as `duplicate_item`.
   * No stream on the subject is `queue_not_found`.
   */
  async publishItem(queue: string, taskId: string, dedupe: boolean): Promise<void> {
    const body = `{"kind":${WORK_ITEM_KIND_TASK},"job":${JSON.stringify(taskId)}}`;
    let duplicate: boolean;
    try {
      let h: MsgHdrs | undefined;
      if (dedupe) {
        h = headers();
        h.append("Nats-Msg-Id", taskId);
      }
      const ack = await this.jet.pub.publish(workItemSubject(queue, taskId), body, h);
      duplicate = ack.duplicate;
    } catch (err) {
      // No stream listens on the subject: JetStream answers "no responders". On a lone server
      // that means the queue does not exist; in a cluster it is also what a publish gets while
      // the stream's leader is being replaced, so the stream itself is asked.
      if (isNoResponders(err)) throw await this.#noResponders(queue, err);
      throw toAjcError(err, `publishing to queue ${queue}`, "queue_not_found");
    }
    if (duplicate) throw new AjcError("duplicate_item", "duplicate work queue item");
  }

  /** `queue_not_found` when the queue's stream is missing, else the outage it is (a 503). */
  async #noResponders(queue: string, err: unknown): Promise<AjcError> {
    try {
      await this.jet.jsm.streams.info(queueStream(queue));
    } catch (infoErr) {
      if (jsCode(infoErr) === JS_STREAM_NOT_FOUND) {
        return new AjcError("queue_not_found", `queue not found: ${queue}`, { cause: err });
      }
      return toAjcError(infoErr, `publishing to queue ${queue}`, "queue_not_found");
    }
    return new AjcError(
      "storage_not_ready",
      `publishing to queue ${queue}: its stream has no leader answering (NATS JetStream is not available)`,
      { cause: err },
    );
  }
}
