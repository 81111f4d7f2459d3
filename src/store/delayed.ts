/**
 * Wake-ups of delayed tasks on nats-server message schedules (ADR-51). The design keeps a Go
 * worker on the queue's `WORKERS` consumer from ever seeing a schedule or an early item:
 *
 * - the definition lives in its own stream `AJC_DELAYED` (with `allow_msg_schedules`), on
 *   `AJC_DELAYED.S.<id>`: a subject no queue stream holds, so no `WORKERS` consumer can read it;
 * - its `Nats-Schedule-Target` is `AJC_DELAYED.T.<queue>.<id>`, in the same stream (the server
 *   accepts only targets in the schedule's own stream), and its body is the task's work item;
 * - the queue's stream sources `AJC_DELAYED.T.<queue>.*`, transformed to its own item subject
 *   `CHORIA_AJ.Q.<queue>.<id>`: the item enters the queue only when the server fired it.
 *
 * A 2.12 server refuses a fired message sourced into a stream without schedules, and refuses a
 * stream that both sources and schedules, so this needs nats-server 2.14 or newer.
 */
import {
  DiscardPolicy,
  type MsgRequest,
  RetentionPolicy,
  StorageType,
  type StreamConfig,
} from "@nats-io/jetstream";
import { headers } from "@nats-io/nats-core";
import { AjcError } from "../core/errors.ts";
import { formatTimeNs, parseTimeNs } from "../core/time.ts";
import { JS_STREAM_NOT_FOUND, jsCode, toAjcError } from "./errors.ts";
import type { Jet } from "./jet.ts";
import {
  DELAYED_DESCRIPTION,
  DELAYED_STREAM,
  DELAYED_SUBJECTS,
  DELAYED_TARGETS,
  delayedDefinitionSubject,
  delayedTargetSubject,
  queueStream,
  TASKS_STREAM,
  WORK_ITEM_KIND_TASK,
} from "./subjects.ts";

/** The oldest nats-server whose message schedules can wake a task in a queue (see above). */
export const DELAYED_MIN_SERVER = "2.14.0";

/** How long a queue seen sourcing the wake-ups is trusted without reading its stream again. */
const LINK_CACHE_MS = 5_000;
/** How far before now a new link starts reading fired wake-ups. */
const LINK_START_SLACK_MS = 60_000;
/** How long an absent `AJC_DELAYED` is believed absent (a delete then skips the purge). */
const ABSENT_CACHE_MS = 5_000;
/** Fired wake-ups older than this are removed (the queues copied them long ago)... */
export const FIRED_KEEP_MS = 60 * 60_000;
/** ...at most this often per process, after a wake-up is stored. */
const SWEEP_EVERY_MS = 10 * 60_000;

/** True when a nats-server `version` (`2.14.10`, `2.15.0-beta.1`) is at least `min`. */
export function versionAtLeast(version: string, min: string): boolean {
  const parts = (v: string) => (v.match(/^v?(\d+)\.(\d+)\.(\d+)/) ?? []).slice(1).map(Number);
  const a = parts(version);
  const b = parts(min);
  if (a.length !== 3) return false;
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i]! > b[i]!;
  return true;
}

/** The source a queue's stream needs to receive its fired wake-ups. */
function queueSource(queue: string, startMs: number) {
  return {
    name: DELAYED_STREAM,
    opt_start_time: new Date(startMs).toISOString(),
    subject_transforms: [
      { src: delayedTargetSubject(queue, "*"), dest: `CHORIA_AJ.Q.${queue}.{{wildcard(1)}}` },
    ],
  };
}

export class DelayedStore {
  #stream: Promise<void> | undefined;
  readonly #linked = new Map<string, number>();
  #absentAt: number | undefined;
  #sweptAt = 0;

  constructor(
    private readonly jet: Jet,
    private readonly now: () => number,
  ) {}

  /** The connected server's version. */
  serverVersion(): string {
    return this.jet.nc.info?.version ?? "unknown";
  }

  /** True when the connected server can wake delayed tasks. */
  available(): boolean {
    return versionAtLeast(this.serverVersion(), DELAYED_MIN_SERVER);
  }

  /** Throws `delayed_tasks_unavailable`, naming the version needed, on an older server. */
  assertAvailable(): void {
    if (this.available()) return;
    throw new AjcError(
      "delayed_tasks_unavailable",
      `run_at needs nats-server ${DELAYED_MIN_SERVER} or newer (message schedules a queue can source); connected to ${this.serverVersion()}`,
      { field: "run_at" },
    );
  }

  /**
   * Stores the wake-up of task `id`: at `runAt` the server puts its work item into `queue`.
   * Writing it again replaces the earlier one (the subject keeps one message).
   */
  async schedule(queue: string, id: string, runAt: string): Promise<void> {
    this.assertAvailable();
    await this.#prepare();
    await this.#link(queue);
    const ns = parseTimeNs(runAt);
    if (ns === undefined) throw new AjcError("invalid_argument", "run_at must be an RFC 3339 time");
    const h = headers();
    h.set("Nats-Schedule", `@at ${formatTimeNs(ns)}`);
    h.set("Nats-Schedule-Target", delayedTargetSubject(queue, id));
    const body = `{"kind":${WORK_ITEM_KIND_TASK},"job":${JSON.stringify(id)}}`;
    try {
      await this.jet.pub.publish(delayedDefinitionSubject(id), body, h);
    } catch (err) {
      throw toAjcError(err, `scheduling the wake-up of task ${id}`);
    }
    if (this.now() - this.#sweptAt > SWEEP_EVERY_MS) {
      this.#sweptAt = this.now();
      this.removeFired(FIRED_KEEP_MS).catch(() => {});
    }
  }

  /** True when task `id` has a wake-up that has not fired yet. */
  async pending(id: string): Promise<boolean> {
    try {
      const sm = await this.jet.jsm.streams.getMessage(DELAYED_STREAM, {
        last_by_subj: delayedDefinitionSubject(id),
      });
      return sm !== null && sm !== undefined;
    } catch (err) {
      if (jsCode(err) === JS_STREAM_NOT_FOUND) return false;
      throw toAjcError(err, `reading the wake-up of task ${id}`);
    }
  }

  /**
   * Removes task `id`'s wake-up, if it has one: it will not enqueue the task. Without an
   * `AJC_DELAYED` stream (seen within ABSENT_CACHE_MS) there is nothing to remove and no request
   * is made; a wake-up stored by another process in that window fires into a queue whose
   * processors find no task and drop the item. `fresh` always asks the server.
   */
  async cancel(id: string, fresh = false): Promise<void> {
    if (!fresh && this.#absentAt !== undefined && this.now() - this.#absentAt < ABSENT_CACHE_MS) return;
    try {
      await this.jet.jsm.streams.purge(DELAYED_STREAM, { filter: delayedDefinitionSubject(id) });
      this.#absentAt = undefined;
    } catch (err) {
      if (jsCode(err) === JS_STREAM_NOT_FOUND) {
        this.#absentAt = this.now();
        return;
      }
      throw toAjcError(err, `removing the wake-up of task ${id}`);
    }
  }

  /** Removes every wake-up not yet fired (after the task store was purged). */
  async cancelAll(): Promise<void> {
    try {
      await this.jet.jsm.streams.purge(DELAYED_STREAM, { filter: delayedDefinitionSubject("*") });
    } catch (err) {
      if (jsCode(err) === JS_STREAM_NOT_FOUND) return;
      throw toAjcError(err, "removing the wake-ups of delayed tasks");
    }
  }

  /**
   * Removes fired wake-ups older than `ageMs`: the queue sourced them long ago (a queue that
   * could not is the rescuer's to repair). Returns how many were removed.
   */
  async removeFired(ageMs: number): Promise<number> {
    try {
      // The first message stored since then (the JS client does not type `start_time`).
      const since = { start_time: new Date(this.now() - ageMs).toISOString() } as unknown as MsgRequest;
      const first = await this.jet.jsm.streams.getMessage(DELAYED_STREAM, since);
      const below = first ? first.seq : (await this.jet.jsm.streams.info(DELAYED_STREAM)).state.last_seq + 1;
      const r = await this.jet.jsm.streams.purge(DELAYED_STREAM, { filter: DELAYED_TARGETS, seq: below });
      return r.purged;
    } catch (err) {
      if (jsCode(err) === JS_STREAM_NOT_FOUND) return 0;
      throw toAjcError(err, "removing fired wake-ups");
    }
  }

  /** Creates `AJC_DELAYED` when missing, with the task store's replicas. */
  #prepare(): Promise<void> {
    if (!this.#stream) {
      this.#stream = this.#create();
      this.#stream.catch(() => {
        this.#stream = undefined;
      });
    }
    return this.#stream;
  }

  async #create(): Promise<void> {
    this.#absentAt = undefined;
    try {
      await this.jet.jsm.streams.info(DELAYED_STREAM);
      return;
    } catch (err) {
      if (jsCode(err) !== JS_STREAM_NOT_FOUND) throw toAjcError(err, "delayed task wake-ups");
    }
    try {
      const tasks = await this.jet.jsm.streams.info(TASKS_STREAM);
      const cfg: Partial<StreamConfig> & { name: string; allow_msg_schedules: boolean } = {
        name: DELAYED_STREAM,
        subjects: [DELAYED_SUBJECTS],
        description: DELAYED_DESCRIPTION,
        retention: RetentionPolicy.Limits,
        discard: DiscardPolicy.Old,
        max_msgs_per_subject: 1,
        allow_msg_schedules: true,
        num_replicas: tasks.config.num_replicas,
        storage: StorageType.File,
      };
      await this.jet.jsm.streams.add(cfg);
    } catch (err) {
      // Another process made it first: that is what was wanted.
      if (
        await this.jet.jsm.streams.info(DELAYED_STREAM).then(
          () => true,
          () => false,
        )
      )
        return;
      throw toAjcError(err, "creating the delayed task wake-ups stream");
    }
  }

  /** Makes `queue`'s stream source its fired wake-ups, once (a recreated queue is linked again). */
  async #link(queue: string): Promise<void> {
    const seen = this.#linked.get(queue);
    if (seen !== undefined && this.now() - seen < LINK_CACHE_MS) return;
    const stream = queueStream(queue);
    try {
      const si = await this.jet.jsm.streams.info(stream);
      const want = delayedTargetSubject(queue, "*");
      const sources = si.config.sources ?? [];
      const has = sources.some(
        (s) => s.name === DELAYED_STREAM && s.subject_transforms?.some((t) => t.src === want),
      );
      if (!has) {
        // A wake-up for this queue is only written after the link exists, so starting a little
        // before now (room for clock skew between us and the server) misses none.
        await this.jet.jsm.streams.update(stream, {
          ...si.config,
          sources: [...sources, queueSource(queue, this.now() - LINK_START_SLACK_MS)],
        });
      }
    } catch (err) {
      throw toAjcError(err, `linking queue ${queue} to the delayed task wake-ups`, "queue_not_found");
    }
    this.#linked.set(queue, this.now());
  }
}
