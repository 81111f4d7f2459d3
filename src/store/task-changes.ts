/**
 * Task changes as they are stored: an ordered consumer on `CHORIA_AJ_TASKS` from a stream sequence.
 *
 * Why the stream sequence is a resumable cursor: the stream keeps one message per task subject
 * (`max_msgs_per_subject: 1`), and every save of a task is a new message with a higher sequence
 * that replaces the task's previous one. So the messages above sequence N are exactly the latest
 * state of every task saved after N, each once; reading from N+1 misses no task changed since,
 * as long as the stream still holds it (retention, a purge or a delete remove tasks, and those
 * produce no message).
 */
import { DeliverPolicy } from "@nats-io/jetstream";
import { decodeTask, type Task } from "../core/task.ts";
import { toAjcError } from "./errors.ts";
import type { Jet } from "./jet.ts";
import { TASKS_STREAM, taskSubject } from "./subjects.ts";

/** One stored version of a task and the stream sequence it was stored at. */
export interface TaskChange {
  seq: number;
  task: Task;
}

/** Where to start and what to read. */
export interface TaskChangeOptions {
  /** Deliver changes stored after this sequence; default: only changes from now on. */
  afterSeq?: number;
  /** Only this task, when it names one (filtered by the server, by subject); the reader filters several. */
  taskIds?: string[];
  /** Stops the feed. */
  signal?: AbortSignal;
  /** Most messages pulled ahead of the reader; default 64. */
  batch?: number;
}

/** An open feed: the sequence it starts after, and the changes from there on. */
export interface TaskChangeFeed {
  /** The sequence the feed starts after: a cursor that is valid before any change arrives. */
  readonly startCursor: number;
  /**
   * The sequence of the newest message the feed has read, matching the filter or not (in the
   * task filter's case, only matching ones are read).
   */
  readonly cursor: number;
  changes(): AsyncIterable<TaskChange>;
  stop(): void;
}

/** The sequence of the newest message in the task store (0 when it is empty). */
export async function lastTaskSeq(jet: Jet): Promise<number> {
  try {
    return (await jet.jsm.streams.info(TASKS_STREAM)).state.last_seq;
  } catch (err) {
    throw toAjcError(err, "task store");
  }
}

/**
 * Opens a feed of task changes. It pulls at most `batch` messages ahead of its reader, so a slow
 * reader holds back the feed instead of letting messages pile up in memory.
 */
export async function openTaskChanges(jet: Jet, opts: TaskChangeOptions = {}): Promise<TaskChangeFeed> {
  const startCursor = opts.afterSeq ?? (await lastTaskSeq(jet));
  let messages: Awaited<ReturnType<Awaited<ReturnType<Jet["js"]["consumers"]["get"]>>["consume"]>>;
  try {
    const consumer = await jet.js.consumers.get(TASKS_STREAM, {
      deliver_policy: DeliverPolicy.StartSequence,
      opt_start_seq: startCursor + 1,
      // One subject filter works on every server; several need nats-server 2.10, so those
      // are left to the reader (`taskIds` is then only a hint).
      ...(opts.taskIds?.length === 1 ? { filter_subjects: taskSubject(opts.taskIds[0]!) } : {}),
    });
    messages = await consumer.consume({ max_messages: opts.batch ?? 64 });
  } catch (err) {
    throw toAjcError(err, "watching tasks");
  }
  const stop = () => messages.stop();
  if (opts.signal?.aborted) stop();
  opts.signal?.addEventListener("abort", stop, { once: true });
  let cursor = startCursor;
  return {
    startCursor,
    get cursor() {
      return cursor;
    },
    stop,
    async *changes() {
      try {
        for await (const m of messages) {
          cursor = m.seq;
          let task: Task;
          try {
            task = decodeTask(m.string());
          } catch {
            continue; // not a task of ours: skipped, as the listing does
          }
          yield { seq: m.seq, task };
        }
      } finally {
        opts.signal?.removeEventListener("abort", stop);
        stop();
      }
    },
  };
}
