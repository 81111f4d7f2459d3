/**
 * Schedules: JSON values under `scheduled_tasks.<name>` in the `CHORIA_AJ_CONFIGURATION` bucket,
 * the key every scheduler (ajc's and Go's) watches and fires.
 *
 * Paused schedules (our addition) are moved to `ajc_paused_schedules.<name>` in the same bucket,
 * the Go form plus `paused_at`: no scheduler watches that prefix, so a paused schedule is fired by
 * nobody, a Go v0.3.0 leader included (to it, pausing is a delete and resuming a put, which it
 * follows live). A move writes the new key before it deletes the old one, so an interrupted move
 * leaves both, never neither, and the next pause or resume finishes the move. Go's CLI lists active schedules only.
 *
 * A name under both keys is what the newer of the two says (the bucket's revisions order them):
 * the paused copy when a pause was interrupted before it deleted the active key; the active one
 * when a resume was interrupted before it deleted the paused copy, or when the name was added
 * again under the active key after the pause (a Go `ajc tasks cron add`): then schedulers fire it,
 * and it is shown active. The next pause, resume, edit or delete removes the older key.
 */
import type { KV } from "@nats-io/kv";
import { AjcError } from "../core/errors.ts";
import { decodeSchedule, encodePausedSchedule, encodeSchedule, type Schedule } from "../core/schedule.ts";
import { openBucket } from "./buckets.ts";
import { isWrongLastSequence, toAjcError } from "./errors.ts";
import type { Jet } from "./jet.ts";
import {
  CONFIG_BUCKET,
  CONFIG_DESCRIPTION,
  PAUSED_SCHEDULE_KEY_PREFIX,
  SCHEDULE_KEY_PREFIX,
} from "./subjects.ts";

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

/** The key of a paused schedule. */
function pausedKeyOf(name: string): string {
  return PAUSED_SCHEDULE_KEY_PREFIX + keyOf(name).slice(SCHEDULE_KEY_PREFIX.length);
}

/** A stored value and the revision it was read at. */
interface Entry {
  text: string;
  revision: number;
}

/**
 * Both keys a schedule may be stored under, as read, and which of them holds the schedule: the
 * only one, or the newer of the two (the other is then `stale`).
 */
type Stored =
  | { state: "active"; active: Entry; stale?: Entry }
  | { state: "paused"; paused: Entry; stale?: Entry };

/** How many times a move is tried again after a concurrent change. */
const MOVE_ATTEMPTS = 5;

/**
 * Runs `move` (which reads the keys afresh each time) again while a concurrent change makes one
 * of its revision-checked writes lose, up to MOVE_ATTEMPTS times; other failures name `doing`.
 */
async function retryingMove<T>(doing: string, move: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await move();
    } catch (err) {
      if (isWrongLastSequence(err) && attempt < MOVE_ATTEMPTS) continue;
      throw toAjcError(err, doing);
    }
  }
}

function activeOf(e: Entry): Schedule {
  const s = decodeSchedule(e.text);
  delete s.paused_at;
  delete s.paused;
  return s;
}

function pausedOf(e: Entry): Schedule {
  const s = decodeSchedule(e.text);
  s.paused = true;
  s.paused_at ??= "";
  return s;
}

/** The schedule `st` holds: the newer copy when both keys have one. */
function scheduleOf(st: Stored): Schedule {
  return st.state === "paused" ? pausedOf(st.paused) : activeOf(st.active);
}

/** The entry that holds the schedule. */
function heldIn(st: Stored): Entry {
  return st.state === "paused" ? st.paused : st.active;
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
    if (await this.#entry(pausedKeyOf(s.name))) {
      throw new AjcError("schedule_already_exists", `schedule ${s.name} already exists (paused)`, {
        field: "name",
      });
    }
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

  async #entry(key: string): Promise<Entry | undefined> {
    let e: Awaited<ReturnType<KV["get"]>>;
    try {
      e = await this.kv.get(key);
    } catch (err) {
      throw toAjcError(err, `loading schedule ${key}`);
    }
    return e?.operation === "PUT" ? { text: e.string(), revision: e.revision } : undefined;
  }

  /** Both keys of a schedule (`schedule_not_found` when neither holds it). */
  async #stored(name: string): Promise<Stored> {
    const [active, paused] = await Promise.all([this.#entry(keyOf(name)), this.#entry(pausedKeyOf(name))]);
    if (active && (!paused || active.revision > paused.revision)) {
      return { state: "active", active, ...(paused ? { stale: paused } : {}) };
    }
    if (paused) return { state: "paused", paused, ...(active ? { stale: active } : {}) };
    throw new AjcError("schedule_not_found", `schedule not found: ${name}`);
  }

  /** Loads a schedule, active or paused (`paused_at` set) (`schedule_not_found`). */
  async load(name: string): Promise<Schedule> {
    return scheduleOf(await this.#stored(name));
  }

  /**
   * Replaces a stored schedule with `s` (same name), keeping its `created_at` and, when paused,
   * its pause: `schedule_not_found` when there is none. Returns the schedule as stored.
   *
   * An active schedule is not overwritten in place: a Go v0.3.0 scheduler that sees its key
   * overwritten adds the new timing without removing the old one (both then fire, until it
   * restarts), but it removes a deleted key's timing. So the new value is first put aside under
   * the paused key (an interruption then leaves it paused, never lost), the key is deleted and
   * created again with the new value, and the aside copy removed.
   */
  async replace(s: Schedule, nowIso: string): Promise<Schedule> {
    return retryingMove(`replacing schedule ${s.name}`, async () => {
      const st = await this.#stored(s.name);
      const before = scheduleOf(st);
      const next: Schedule = { ...s, created_at: before.created_at };
      delete next.paused_at;
      delete next.paused;
      const key = keyOf(s.name);
      const pausedKey = pausedKeyOf(s.name);
      if (st.state === "paused") {
        next.paused = true;
        next.paused_at = before.paused_at;
        await this.kv.update(pausedKey, encodePausedSchedule(next), st.paused.revision);
        // A move to paused that was interrupted: finish it.
        if (st.stale) await this.kv.delete(key, { previousSeq: st.stale.revision });
        return next;
      }
      const aside = st.stale
        ? await this.kv.update(
            pausedKey,
            encodePausedSchedule({ ...next, paused_at: nowIso }),
            st.stale.revision,
          )
        : await this.kv.create(pausedKey, encodePausedSchedule({ ...next, paused_at: nowIso }));
      try {
        await this.kv.delete(key, { previousSeq: st.active.revision });
      } catch (err) {
        await this.kv.delete(pausedKey, { previousSeq: aside }).catch(() => {});
        throw err;
      }
      await this.kv.create(key, encodeSchedule(next));
      try {
        await this.kv.delete(pausedKey, { previousSeq: aside });
      } catch (err) {
        // Paused meanwhile by someone else: their pause stands.
        if (!isWrongLastSequence(err)) throw err;
      }
      return next;
    });
  }

  /**
   * Pauses a schedule: moves it to its paused key (see above), stamped with `nowIso`. Pausing a
   * paused schedule changes nothing. Returns the paused schedule.
   */
  async pause(name: string, nowIso: string): Promise<Schedule> {
    return this.#move(name, `pausing schedule ${name}`, "paused", (s) => {
      s.paused = true;
      s.paused_at = nowIso;
    });
  }

  /**
   * Resumes a paused schedule: moves it back to the key schedulers fire. Resuming an active
   * schedule changes nothing. Returns the active schedule.
   */
  async resume(name: string): Promise<Schedule> {
    return this.#move(name, `resuming schedule ${name}`, "active", (s) => {
      delete s.paused_at;
      delete s.paused;
    });
  }

  /**
   * Moves a schedule to its key for `to` with `change` made: writes it there first (over the
   * older copy a half-done move left), then deletes it from the other key. One already there is
   * returned as it is, once the older copy beside it, if any, is gone.
   */
  async #move(name: string, doing: string, to: Stored["state"], change: (s: Schedule) => void) {
    const keyFor = (state: Stored["state"]) => (state === "active" ? keyOf(name) : pausedKeyOf(name));
    const from = to === "active" ? "paused" : "active";
    return retryingMove(doing, async () => {
      const st = await this.#stored(name);
      if (st.state === to) {
        if (st.stale) await this.kv.delete(keyFor(from), { previousSeq: st.stale.revision });
        return scheduleOf(st);
      }
      const s = scheduleOf(st);
      change(s);
      const value = to === "paused" ? encodePausedSchedule(s) : encodeSchedule(s);
      if (st.stale) await this.kv.update(keyFor(to), value, st.stale.revision);
      else await this.kv.create(keyFor(to), value);
      await this.kv.delete(keyFor(from), { previousSeq: heldIn(st).revision });
      return s;
    });
  }

  /** Deletes a schedule, active or paused (`schedule_not_found` when there is none). */
  async delete(name: string): Promise<void> {
    const st = await this.#stored(name);
    try {
      if (st.state === "active" || st.stale) await this.kv.delete(keyOf(name));
      if (st.state === "paused" || st.stale) await this.kv.delete(pausedKeyOf(name));
    } catch (err) {
      throw toAjcError(err, `deleting schedule ${name}`);
    }
  }

  /** Every stored schedule, active and paused, sorted by name; undecodable ones are skipped. */
  async list(): Promise<Schedule[]> {
    const out: Schedule[] = [];
    const names = new Set([...(await this.names()), ...(await this.names(PAUSED_SCHEDULE_KEY_PREFIX))]);
    for (const name of [...names].sort()) {
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

  /** Names of every stored schedule under `prefix` (default: the active ones), sorted. */
  async names(prefix = SCHEDULE_KEY_PREFIX): Promise<string[]> {
    try {
      const names: string[] = [];
      for await (const k of await this.kv.keys(`${prefix}*`)) {
        names.push(k.slice(prefix.length));
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
          yield { op: "put", name, schedule: activeOf({ text: e.string(), revision: e.revision }) };
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
