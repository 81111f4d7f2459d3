/**
 * The HA task scheduler: watches the schedules in the configuration bucket live, campaigns for the
 * `task_scheduler` election, and while leader turns each firing into a new task enqueued to the
 * schedule's queue. Which schedule is due when is the pure `Timetable`; this is the side-effecting
 * loop around it (watch, timer, enqueue, logs, metrics).
 */
import type { Client, ScheduleChange } from "../client.ts";
import { AjcError } from "../core/errors.ts";
import type { Clock } from "../core/time.ts";
import { SCHEDULER_ELECTION_KEY } from "../store/subjects.ts";
import { Election } from "./election.ts";
import { type ElectionTiming, electionTtlProblem } from "./election-state.ts";
import { fireOnce } from "./firing.ts";
import { type Log, silentLog } from "./log.ts";
import { SchedulerMetrics } from "./metrics.ts";
import { rescueLine, rescueSummary, rescueTasks } from "./rescuer.ts";
import { sleep } from "./sleep.ts";
import { type Firing, Timetable } from "./timetable.ts";

/** Options of a scheduler. */
export interface SchedulerOptions {
  /** This scheduler's identity in the election (the value of the `task_scheduler` key). */
  name: string;
  /** Default silent. */
  log?: Log;
  /** Default the client's clock. */
  clock?: Clock;
  /** Where the series go; default a private registry. */
  metrics?: SchedulerMetrics;
  /**
   * While leader, run the rescuer (`rescueTasks`) this often, finding tasks no work item will
   * deliver; 0 or absent: never.
   */
  rescueEveryMs?: number;
  /** Election timings and randomness; the defaults are the production ones (tests shorten them). */
  election?: Partial<Omit<ElectionTiming, "ttlMs">> & { random?: () => number };
}

/** After a watch fails, wait this long before watching again. */
export const WATCH_RETRY_MS = 1_000;
/** Longest single timer: re-reading the clock this often follows wall-clock jumps. */
export const MAX_TIMER_MS = 60_000;

export class Scheduler {
  readonly timetable = new Timetable();
  readonly metrics: SchedulerMetrics;
  readonly #log: Log;
  readonly #clock: Clock;
  #election?: Election;
  #timer?: ReturnType<typeof setTimeout>;
  #signal?: AbortSignal;
  readonly #inflight = new Set<Promise<void>>();

  constructor(
    private readonly client: Client,
    private readonly opts: SchedulerOptions,
  ) {
    if (!opts.name) throw new AjcError("invalid_argument", "a scheduler needs a name", { field: "name" });
    this.#log = opts.log ?? silentLog;
    this.#clock = opts.clock ?? client.now;
    this.metrics = opts.metrics ?? new SchedulerMetrics();
  }

  /** The election's timings once running (every one a fraction of the bucket's TTL by default). */
  get electionTiming(): ElectionTiming | undefined {
    return this.#election?.timing;
  }

  /** True while this scheduler is the announced leader and may fire schedules. */
  isLeader(): boolean {
    return this.#election?.isLeader() ?? false;
  }

  /**
   * Runs until `signal` aborts: campaigns, watches schedules, fires them while leader. Resolves after
   * stepping down (the election key is released when we held it). Fails only when the elections
   * bucket cannot be opened at start, or its TTL is outside 10s..1h (the election's timings are
   * fractions of it); later NATS trouble pauses firing and is retried.
   */
  async run(signal: AbortSignal): Promise<void> {
    if (this.#signal) throw new Error("the scheduler is already running");
    this.#signal = signal;
    const { name } = this.opts;
    const bucket = await this.client.storage.elections();
    const ttlProblem = electionTtlProblem(bucket.ttlMs);
    if (ttlProblem) throw new AjcError("invalid_argument", ttlProblem);
    this.#election = new Election({
      ...this.opts.election,
      name,
      key: SCHEDULER_ELECTION_KEY,
      bucket,
      events: this.client.storage.events,
      connected: () => this.client.connected,
      clock: this.#clock,
      log: this.#log,
      metrics: this.metrics.election(SCHEDULER_ELECTION_KEY, name),
      onLeader: () => {
        this.metrics.paused.set({}, 0);
        this.#log.info(`${name} is now the leader: schedules will fire`);
      },
      onLost: (why) => {
        this.metrics.paused.set({}, 1);
        this.#log.info(`${name} is no longer the leader (${why}): schedules paused`);
      },
    });
    this.#log.info(`starting leader election for ${SCHEDULER_ELECTION_KEY} as ${name}`);
    const elected = this.#election.run(signal);
    const rescuing = this.#rescueLoop(signal);
    try {
      await this.#watch(signal);
    } finally {
      clearTimeout(this.#timer);
      // Let enqueues under way finish before the caller closes the connection.
      await Promise.all(this.#inflight);
      await rescuing;
      await elected;
    }
  }

  /** Every `rescueEveryMs`, while leader, one rescuer run; what it did goes to the log. */
  async #rescueLoop(signal: AbortSignal): Promise<void> {
    const everyMs = this.opts.rescueEveryMs ?? 0;
    if (!(everyMs > 0)) return;
    this.#log.info(`the leader looks for stranded tasks every ${everyMs / 1000}s`);
    while (!signal.aborted) {
      await sleep(everyMs, signal);
      if (signal.aborted || !this.isLeader()) continue;
      try {
        const report = await rescueTasks(this.client, { signal });
        for (const e of report.entries) this.#log.info(`rescuer: ${rescueLine(e, false)}`);
        if (report.requeued + report.marked + report.stuck + report.failed > 0) {
          this.#log.info(`rescuer: ${rescueSummary(report)}`);
        } else {
          this.#log.debug?.(`rescuer: ${rescueSummary(report)}`);
        }
        this.metrics.rescued.inc({ action: "requeued" }, report.requeued);
        this.metrics.rescued.inc({ action: "marked" }, report.marked);
        this.metrics.rescued.inc({ action: "stuck" }, report.stuck);
        this.metrics.rescued.inc({ action: "failed" }, report.failed);
      } catch (err) {
        this.#log.warn(`rescuer: looking for stranded tasks failed: ${message(err)}`);
      }
    }
  }

  /** Applies the bucket's changes, watching again (from a clean slate) when a watch breaks. */
  async #watch(signal: AbortSignal): Promise<void> {
    let first = true;
    while (!signal.aborted) {
      try {
        const changes = this.client.watchSchedules(signal);
        if (!first) {
          // The new watch replays every stored schedule; start over so nothing removed meanwhile lingers.
          for (const n of this.timetable.names()) this.timetable.remove(n);
          this.metrics.schedulesTotal.set({}, 0);
        }
        first = false;
        for await (const change of changes) this.#apply(change);
        if (signal.aborted) return;
        this.#log.warn("the schedule watch ended; watching again");
      } catch (err) {
        if (signal.aborted) return;
        this.#log.warn(`watching schedules failed: ${message(err)}; retrying`);
      }
      await sleep(WATCH_RETRY_MS, signal);
    }
  }

  #apply(change: ScheduleChange): void {
    const now = this.#clock();
    if (change.op === "put") {
      const replaced = this.timetable.get(change.name) !== undefined;
      try {
        const e = this.timetable.put(change.name, change.schedule, now);
        const s = e.schedule;
        this.#log.info(
          `${replaced ? "replaced" : "added"} schedule ${e.name}: "${s.schedule}" creates ${s.task_type} tasks in queue ${s.queue}`,
        );
      } catch (err) {
        this.#log.warn(`schedule ${change.name} is invalid, skipped: ${message(err)}`);
      }
    } else if (change.op === "delete") {
      if (this.timetable.remove(change.name)) this.#log.info(`removed schedule ${change.name}`);
    } else {
      this.timetable.remove(change.name);
      this.#log.warn(`schedule ${change.name} is invalid, skipped: ${change.error.message}`);
    }
    this.metrics.schedulesTotal.set({}, this.timetable.size);
    this.#arm();
  }

  /** Sleeps until the timetable's next firing. */
  #arm(): void {
    clearTimeout(this.#timer);
    const next = this.timetable.nextAtMs();
    if (next === undefined || this.#signal?.aborted) return;
    const delay = Math.min(Math.max(next - this.#clock(), 0), MAX_TIMER_MS);
    this.#timer = setTimeout(() => this.#tick(), delay);
  }

  #tick(): void {
    if (this.#signal?.aborted) return;
    const now = this.#clock();
    for (const f of this.timetable.takeDue(now)) {
      const p = this.#fire(f, now).finally(() => this.#inflight.delete(p));
      this.#inflight.add(p);
    }
    this.#arm();
  }

  /**
   * One firing: while leader, the firing's task enqueued to the schedule's queue. The task id is
   * the firing's identity (`firingTaskId`), so a scheduler that still believed it led when another
   * had taken over cannot fire the same due time twice. Never throws.
   */
  async #fire(f: Firing, nowMs: number): Promise<void> {
    if (!this.isLeader()) {
      this.#log.debug?.(`schedule ${f.name} is due, but this scheduler is not the leader`);
      return;
    }
    const s = f.schedule;
    const labels = { type: s.task_type, queue: s.queue };
    try {
      const outcome = await fireOnce(this.client, f, nowMs);
      if ("alreadyFired" in outcome) {
        this.#log.info(
          `schedule ${f.name} due at ${new Date(f.dueAtMs).toISOString()} was already fired as task ${outcome.alreadyFired}: skipped`,
        );
        return;
      }
      const task = outcome.created;
      this.metrics.scheduledCount.inc(labels);
      this.#log.info(`schedule ${f.name} created task ${task.id} (${s.task_type}) in queue ${s.queue}`);
    } catch (err) {
      this.metrics.scheduleErrorCount.inc(labels);
      this.#log.warn(`schedule ${f.name} could not create a task in queue ${s.queue}: ${message(err)}`);
    }
  }
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
