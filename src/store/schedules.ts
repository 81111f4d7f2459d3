/** Schedules: JSON values under `scheduled_tasks.<name>` in the `CHORIA_AJ_CONFIGURATION` bucket. */
import type { KV } from "@nats-io/kv";
import { AjcError } from "../core/errors.ts";
import { decodeSchedule, encodeSchedule, type Schedule } from "../core/schedule.ts";
import { openBucket } from "./buckets.ts";
import { isWrongLastSequence, toAjcError } from "./errors.ts";
import type { Jet } from "./jet.ts";
import { CONFIG_BUCKET, CONFIG_DESCRIPTION, SCHEDULE_KEY_PREFIX } from "./subjects.ts";

/**
 * A change seen by `watch`: a schedule added or replaced, or one removed, by key name (`name` on a
 * put is the key's, which a hand-written value's `schedule.name` need not match).
 */
export type ScheduleChange =
  | { op: "put"; name: string; schedule: Schedule }
  | { op: "delete"; name: string }
  | { op: "invalid"; name: string; error: AjcError };

/** Characters a KV key cannot hold although a name may: `:` (allowed by the name pattern). */
const NOT_IN_KEY = /[^-/_=.a-zA-Z0-9]/;

/**
 * The KV key of a schedule. Names may contain `:`, which no KV key can: such a schedule cannot be
 * stored (nor exist), so its name is refused as invalid rather than failing inside the KV client.
 */
function keyOf(name: string): string {
  if (NOT_IN_KEY.test(name)) {
    throw new AjcError(
      "schedule_invalid",
      `invalid schedule name ${JSON.stringify(name.slice(0, 64))}: ':' cannot be stored as a key`,
      {
        field: "name",
      },
    );
  }
  return SCHEDULE_KEY_PREFIX + name;
}

export class ScheduleStore {
  private constructor(private readonly kv: KV) {}

  /** Opens (creating when missing) the configuration bucket. */
  static async open(jet: Jet, opts: { replicas?: number; memory?: boolean } = {}): Promise<ScheduleStore> {
    const kv = await openBucket(jet, CONFIG_BUCKET, {
      description: CONFIG_DESCRIPTION,
      history: 1,
      replicas: opts.replicas ?? 1,
      ...(opts.memory ? { storage: "memory" as const } : {}),
    });
    return new ScheduleStore(kv);
  }

  /** Creates a schedule; one with that name already stored is `schedule_already_exists`. */
  async create(s: Schedule): Promise<void> {
    try {
      await this.kv.create(keyOf(s.name), encodeSchedule(s));
    } catch (err) {
      if (isWrongLastSequence(err)) {
        throw new AjcError("schedule_already_exists", `schedule ${s.name} already exists`, { field: "name" });
      }
      throw toAjcError(err, `creating schedule ${s.name}`);
    }
  }

  /** Stores a schedule, replacing any of the same name. */
  async put(s: Schedule): Promise<void> {
    try {
      await this.kv.put(keyOf(s.name), encodeSchedule(s));
    } catch (err) {
      throw toAjcError(err, `saving schedule ${s.name}`);
    }
  }

  /** Loads a schedule (`schedule_not_found`). */
  async load(name: string): Promise<Schedule> {
    let e: Awaited<ReturnType<KV["get"]>>;
    try {
      e = await this.kv.get(keyOf(name));
    } catch (err) {
      throw toAjcError(err, `loading schedule ${name}`);
    }
    if (e?.operation !== "PUT") throw new AjcError("schedule_not_found", `schedule not found: ${name}`);
    return decodeSchedule(e.string());
  }

  /** Deletes a schedule (`schedule_not_found` when there is none). */
  async delete(name: string): Promise<void> {
    await this.load(name);
    try {
      await this.kv.delete(keyOf(name));
    } catch (err) {
      throw toAjcError(err, `deleting schedule ${name}`);
    }
  }

  /** Every stored schedule, sorted by name; undecodable ones are skipped. */
  async list(): Promise<Schedule[]> {
    const out: Schedule[] = [];
    for (const name of await this.names()) {
      try {
        out.push(await this.load(name));
      } catch (err) {
        if (
          !(err instanceof AjcError) ||
          (err.reason !== "schedule_not_found" && err.reason !== "schedule_invalid")
        ) {
          throw err;
        }
      }
    }
    return out;
  }

  /** Names of every stored schedule, sorted. */
  async names(): Promise<string[]> {
    try {
      const names: string[] = [];
      for await (const k of await this.kv.keys(`${SCHEDULE_KEY_PREFIX}*`)) {
        names.push(k.slice(SCHEDULE_KEY_PREFIX.length));
      }
      return names.sort();
    } catch (err) {
      throw toAjcError(err, "listing schedules");
    }
  }

  /**
   * Yields the current schedules, then every change, until `signal` aborts. A value that does not
   * decode is reported as `invalid` so the caller can log and skip it.
   */
  async *watch(signal?: AbortSignal): AsyncIterable<ScheduleChange> {
    let it: Awaited<ReturnType<KV["watch"]>>;
    try {
      it = await this.kv.watch({ key: `${SCHEDULE_KEY_PREFIX}*` });
    } catch (err) {
      throw toAjcError(err, "watching schedules");
    }
    const stop = () => it.stop();
    signal?.addEventListener("abort", stop, { once: true });
    // Aborted while the watch was being set up: no abort event will come, so stop it now.
    if (signal?.aborted) it.stop();
    try {
      for await (const e of it) {
        const name = e.key.slice(SCHEDULE_KEY_PREFIX.length);
        if (e.operation !== "PUT") {
          yield { op: "delete", name };
          continue;
        }
        try {
          yield { op: "put", name, schedule: decodeSchedule(e.string()) };
        } catch (err) {
          yield { op: "invalid", name, error: err instanceof AjcError ? err : toAjcError(err, name) };
        }
      }
    } finally {
      signal?.removeEventListener("abort", stop);
      it.stop();
    }
  }
}
