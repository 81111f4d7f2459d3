/**
 * The scheduler's timetable: which schedule fires next and when, given "now". Pure: no timers, no
 * clock of its own, no I/O; the loop in `scheduler.ts` asks it what is due and sleeps until the
 * next moment it names. Cron parsing and matching are `core/cron.ts`'s.
 */
import { type CronSchedule, parseCron } from "../core/cron.ts";
import { type Schedule, scheduleTaskOptions } from "../core/schedule.ts";

/** One schedule in the timetable. */
export interface TimetableEntry {
  /** The key name the schedule is stored under. */
  readonly name: string;
  readonly schedule: Schedule;
  readonly cron: CronSchedule;
  /** Unix ms of the next firing; undefined when the expression never fires again. */
  nextAtMs: number | undefined;
}

/** A firing: the schedule as it was when it came due, and the moment it was due. */
export interface Firing {
  name: string;
  schedule: Schedule;
  dueAtMs: number;
}

export class Timetable {
  readonly #entries = new Map<string, TimetableEntry>();

  /**
   * Adds or replaces the schedule stored under `name`; its first firing is the first match after
   * `nowMs`. An invalid cron expression throws `schedule_invalid` and leaves no entry under `name`:
   * the stored value is the truth, and it is no longer the old schedule.
   */
  put(name: string, schedule: Schedule, nowMs: number): TimetableEntry {
    this.#entries.delete(name);
    const cron = parseCron(schedule.schedule);
    const entry: TimetableEntry = { name, schedule, cron, nextAtMs: cron.next(nowMs) };
    this.#entries.set(name, entry);
    return entry;
  }

  /** Removes a schedule; false when there was none. */
  remove(name: string): boolean {
    return this.#entries.delete(name);
  }

  /**
   * The schedules due at `nowMs`, each advanced to its first match after `nowMs`. Firings missed
   * while the process was stalled are not caught up (as Go's cron): one firing per due schedule.
   */
  takeDue(nowMs: number): Firing[] {
    const out: Firing[] = [];
    for (const e of this.#entries.values()) {
      if (e.nextAtMs === undefined || e.nextAtMs > nowMs) continue;
      out.push({ name: e.name, schedule: e.schedule, dueAtMs: e.nextAtMs });
      e.nextAtMs = e.cron.next(nowMs);
    }
    return out;
  }

  /** The earliest next firing, or undefined when nothing will fire. */
  nextAtMs(): number | undefined {
    let min: number | undefined;
    for (const e of this.#entries.values()) {
      if (e.nextAtMs !== undefined && (min === undefined || e.nextAtMs < min)) min = e.nextAtMs;
    }
    return min;
  }

  get(name: string): TimetableEntry | undefined {
    return this.#entries.get(name);
  }

  get size(): number {
    return this.#entries.size;
  }

  /** Names of every schedule, sorted. */
  names(): string[] {
    return [...this.#entries.keys()].sort();
  }
}

/** The options of a firing's task (see core/schedule.ts). */
export const firingTaskOptions = scheduleTaskOptions;
