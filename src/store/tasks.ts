/**
 * The task store: stream `CHORIA_AJ_TASKS`, one message per task subject, saved with optimistic
 * concurrency (`Nats-Expected-Last-Subject-Sequence`).
 */
import {
  DeliverPolicy,
  DiscardPolicy,
  RetentionPolicy,
  StorageType,
  type StreamConfig,
} from "@nats-io/jetstream";
import { headers } from "@nats-io/nats-core";
import { AjcError } from "../core/errors.ts";
import { decodeTask, encodedStill, encodeTask, type Task, taskSnapshot } from "../core/task.ts";
import {
  JS_MESSAGE_DELETE_FAILED,
  JS_SEQUENCE_NOT_FOUND,
  JS_STREAM_NOT_FOUND,
  JS_WRONG_LAST_SEQUENCE,
  jsCode,
  toAjcError,
} from "./errors.ts";
import type { EventPublisher } from "./events.ts";
import type { Jet } from "./jet.ts";
import { TASKS_DESCRIPTION, TASKS_STREAM, TASKS_SUBJECTS, taskSubject } from "./subjects.ts";

/** How the task store is kept. */
export interface TaskStoreOptions {
  /** Max age of a task in ns; 0 keeps tasks forever. */
  retentionNs?: number;
  /** 1..5. */
  replicas?: number;
  memory?: boolean;
}

/** What `info` reports about the task store. */
export interface TaskStoreInfo {
  stream: string;
  messages: number;
  bytes: number;
  retentionNs: number;
  replicas: number;
  memory: boolean;
  firstTime?: string;
  lastTime?: string;
}

const encoder = new TextEncoder();
/** The header that makes a save fail when someone else saved the task since it was read. */
const EXPECTED_LAST_SUBJECT_SEQUENCE = "Nats-Expected-Last-Subject-Sequence";
/** Room left in a message for its headers (NATS counts them against `max_payload`). */
export const TASK_HEADER_ALLOWANCE = 128;

/**
 * The largest task JSON (bytes) that fits in one message on a server with `maxPayload`: what a
 * save can store. NATS refuses a bigger publish outright, so it is checked before sending.
 */
export function maxTaskBytes(maxPayload: number): number {
  return maxPayload - TASK_HEADER_ALLOWANCE;
}

/**
 * The server refuses a duplicate window longer than the max age on update (it only shortens it by
 * itself on create), so a shorter retention brings the window down with it.
 */
export function duplicateWindow(current: number | undefined, maxAgeNs: number): number | undefined {
  return maxAgeNs > 0 && (current ?? 0) > maxAgeNs ? maxAgeNs : current;
}

/** The replica count to use (default 1); anything but a whole number from 1 to 5 is refused. */
export function validateReplicas(replicas: number | undefined): number {
  const r = replicas ?? 1;
  if (!Number.isInteger(r) || r < 1 || r > 5) {
    throw new AjcError("invalid_argument", "replicas must be between 1 and 5", { field: "replicas" });
  }
  return r;
}

export class TaskStore {
  /** The stream sequence each loaded or saved task object was last seen at. */
  readonly #seqs = new WeakMap<Task, number>();
  /** The JSON each task object was last saved as, with what the task looked like then. */
  readonly #saved = new WeakMap<Task, { text: string; snapshot: Task }>();

  constructor(
    private readonly jet: Jet,
    private readonly events: EventPublisher,
  ) {}

  /** Creates the task stream when missing (an existing one is left as it is). */
  async prepare(opts: TaskStoreOptions = {}): Promise<void> {
    try {
      await this.jet.jsm.streams.info(TASKS_STREAM);
      return;
    } catch (err) {
      if (jsCode(err) !== JS_STREAM_NOT_FOUND) throw toAjcError(err, "task store");
    }
    const cfg: Partial<StreamConfig> & { name: string } = {
      name: TASKS_STREAM,
      subjects: [TASKS_SUBJECTS],
      description: TASKS_DESCRIPTION,
      retention: RetentionPolicy.Limits,
      discard: DiscardPolicy.Old,
      max_msgs_per_subject: 1,
      max_age: opts.retentionNs ?? 0,
      num_replicas: validateReplicas(opts.replicas),
      storage: opts.memory ? StorageType.Memory : StorageType.File,
    };
    try {
      await this.jet.jsm.streams.add(cfg);
    } catch (err) {
      throw toAjcError(err, "creating the task store");
    }
  }

  /** Changes retention and replicas of the task store. */
  async configure(retentionNs: number, replicas: number): Promise<void> {
    try {
      const info = await this.jet.jsm.streams.info(TASKS_STREAM);
      await this.jet.jsm.streams.update(TASKS_STREAM, {
        ...info.config,
        max_age: retentionNs,
        duplicate_window: duplicateWindow(info.config.duplicate_window, retentionNs),
        num_replicas: validateReplicas(replicas),
      });
    } catch (err) {
      throw toAjcError(err, "configuring the task store");
    }
  }

  async info(): Promise<TaskStoreInfo> {
    try {
      const si = await this.jet.jsm.streams.info(TASKS_STREAM);
      const out: TaskStoreInfo = {
        stream: TASKS_STREAM,
        messages: si.state.messages,
        bytes: si.state.bytes,
        retentionNs: si.config.max_age,
        replicas: si.config.num_replicas,
        memory: si.config.storage === StorageType.Memory,
      };
      if (si.state.messages > 0) {
        out.firstTime = si.state.first_ts;
        out.lastTime = si.state.last_ts;
      }
      return out;
    } catch (err) {
      throw toAjcError(err, "task store");
    }
  }

  async count(): Promise<number> {
    return (await this.info()).messages;
  }

  /**
   * Saves a task: expected last subject sequence 0 for a task never stored, else the sequence it
   * was loaded or saved at. A mismatch is `task_update_conflict` (or `task_already_exists` for a new
   * task whose id is taken). Publishes the state-change event.
   */
  async save(task: Task): Promise<void> {
    const expected = this.#seqs.get(task) ?? 0;
    const text = encodeTask(task);
    const data = encoder.encode(text);
    const limit = this.maxTaskBytes();
    if (data.length > limit) {
      throw new AjcError(
        "payload_too_large",
        `task ${task.id} is ${data.length} bytes stored, more than the ${limit} bytes NATS accepts in one message (max_payload)`,
      );
    }
    const snapshot = taskSnapshot(task);
    try {
      const h = headers();
      h.append(EXPECTED_LAST_SUBJECT_SEQUENCE, String(expected));
      const ack = await this.jet.pub.publish(taskSubject(task.id), data, h);
      this.#seqs.set(task, ack.seq);
      this.#saved.set(task, { text, snapshot });
    } catch (err) {
      if (expected === 0 && jsCode(err) === JS_WRONG_LAST_SEQUENCE) {
        throw new AjcError("task_already_exists", `task ${task.id} already exists`, {
          field: "id",
          cause: err,
        });
      }
      throw toAjcError(err, `saving task ${task.id}`);
    }
    this.events.taskState(task);
  }

  /**
   * The largest stored task the connected server accepts, in bytes (its `max_payload` less room for
   * headers); NATS's default 1 MiB while the server's limit is not known yet.
   */
  maxTaskBytes(): number {
    return maxTaskBytes(this.jet.nc.info?.max_payload ?? 1024 * 1024);
  }

  /**
   * The task's JSON as this store last saved it (`encodeTask`'s text), when the task has not
   * changed since; else undefined.
   */
  savedJson(task: Task): string | undefined {
    const s = this.#saved.get(task);
    return s !== undefined && encodedStill(s.snapshot, task) ? s.text : undefined;
  }

  /** Loads a task by id (`task_not_found` when there is none). */
  async load(id: string): Promise<Task> {
    return (await this.loadStored(id)).task;
  }

  /**
   * Loads a task with the moment it was last saved (unix ms, the server's time of the stored
   * message): how long nobody has touched it, whoever saved it (us, a Go worker, a Go client).
   */
  async loadStored(id: string): Promise<{ task: Task; savedAtMs: number }> {
    let sm: Awaited<ReturnType<Jet["jsm"]["streams"]["getMessage"]>>;
    try {
      sm = await this.jet.jsm.streams.getMessage(TASKS_STREAM, { last_by_subj: taskSubject(id) });
    } catch (err) {
      throw toAjcError(err, `loading task ${id}`);
    }
    if (!sm) throw new AjcError("task_not_found", `task not found: ${id}`);
    const task = decodeTask(sm.string());
    this.#seqs.set(task, sm.seq);
    return { task, savedAtMs: sm.time.getTime() };
  }

  /**
   * Deletes a task (`task_not_found` when there is none). When the message read is gone by the
   * time it is deleted, someone else got there first: deleted the task (`task_not_found`) or saved
   * a newer version of it (`task_update_conflict`: the newer version is kept).
   */
  async delete(id: string): Promise<void> {
    const what = `deleting task ${id}`;
    let sm: Awaited<ReturnType<Jet["jsm"]["streams"]["getMessage"]>>;
    try {
      sm = await this.jet.jsm.streams.getMessage(TASKS_STREAM, { last_by_subj: taskSubject(id) });
      if (sm) await this.jet.jsm.streams.deleteMessage(TASKS_STREAM, sm.seq, false);
    } catch (err) {
      const code = jsCode(err);
      if (code !== JS_MESSAGE_DELETE_FAILED && code !== JS_SEQUENCE_NOT_FOUND) throw toAjcError(err, what);
      let now: Awaited<ReturnType<Jet["jsm"]["streams"]["getMessage"]>>;
      try {
        now = await this.jet.jsm.streams.getMessage(TASKS_STREAM, { last_by_subj: taskSubject(id) });
      } catch (again) {
        throw toAjcError(again, what);
      }
      if (!now) throw new AjcError("task_not_found", `task not found: ${id}`, { cause: err });
      throw new AjcError("task_update_conflict", `${what}: changed by someone else, reload and try again`, {
        cause: err,
      });
    }
    if (!sm) throw new AjcError("task_not_found", `task not found: ${id}`);
  }

  /** Removes every task. */
  async purge(): Promise<void> {
    try {
      await this.jet.jsm.streams.purge(TASKS_STREAM);
    } catch (err) {
      throw toAjcError(err, "purging tasks");
    }
  }

  /**
   * Yields the stored tasks oldest first through a fresh ordered consumer, never holding more than
   * one batch; stops at `limit`, at the end of the store as it was when listing began, or when
   * `signal` aborts. Undecodable messages are skipped.
   */
  async *list(opts: { limit?: number; signal?: AbortSignal; afterSeq?: number } = {}): AsyncIterable<Task> {
    for await (const e of this.entries(opts)) yield e.task;
  }

  /**
   * As `list`, with the stream sequence of each task: a cursor. With `afterSeq` the listing
   * starts after that sequence (see task-changes.ts for why that misses no task).
   */
  async *entries(
    opts: { limit?: number; signal?: AbortSignal; afterSeq?: number } = {},
  ): AsyncIterable<{ seq: number; task: Task }> {
    const limit = opts.limit ?? Number.POSITIVE_INFINITY;
    if (limit <= 0) return;
    let lastSeq: number;
    try {
      const si = await this.jet.jsm.streams.info(TASKS_STREAM);
      if (si.state.messages === 0) return;
      lastSeq = si.state.last_seq;
    } catch (err) {
      throw toAjcError(err, "listing tasks");
    }
    const after = opts.afterSeq ?? 0;
    if (after >= lastSeq || opts.signal?.aborted) return;
    let messages: Awaited<ReturnType<Awaited<ReturnType<Jet["js"]["consumers"]["get"]>>["consume"]>>;
    try {
      const consumer = await this.jet.js.consumers.get(
        TASKS_STREAM,
        after > 0
          ? { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: after + 1 }
          : { deliver_policy: DeliverPolicy.All },
      );
      messages = await consumer.consume({ max_messages: Math.min(512, limit) });
    } catch (err) {
      throw toAjcError(err, "listing tasks");
    }
    const stop = () => messages.stop();
    opts.signal?.addEventListener("abort", stop, { once: true });
    let n = 0;
    try {
      for await (const m of messages) {
        try {
          const task = decodeTask(m.string());
          n++;
          yield { seq: m.seq, task };
        } catch {
          // a corrupt entry is skipped, not fatal to the listing
        }
        if (n >= limit || m.info.pending === 0 || m.seq >= lastSeq || opts.signal?.aborted) break;
      }
    } finally {
      opts.signal?.removeEventListener("abort", stop);
      messages.stop();
    }
  }
}
