/**
 * Leader election on the asyncjobs elections bucket (`CHORIA_AJ_ELECTIONS`, its TTL read from the
 * bucket), compatible with the Go library's: candidates of both share one key and elect one leader.
 * The rules are the pure functions of `election-state.ts`; this module runs them against the
 * bucket on a timer.
 */
import type { Clock } from "../core/time.ts";
import {
  type Attempt,
  afterAttempt,
  CANDIDATE,
  type ElectionState,
  type ElectionTiming,
  mayLead,
  nextAttempt,
  type Outcome,
  resolveTiming,
  splayMs,
} from "./election-state.ts";
import { type Log, silentLog } from "./log.ts";
import { sleep } from "./sleep.ts";

/** How often a leader between campaigns looks at the connection. */
const DISCONNECT_CHECK_MS = 100;

/**
 * The key-value operations an election needs; the elections bucket of `client.storage.elections()`
 * has them. Refusals (key taken, revision moved on) resolve `undefined`/`false`; failures throw.
 */
export interface LeaseBucket {
  /** The bucket's TTL as the bucket reports it: every timing of the election is a fraction of it. */
  readonly ttlMs: number;
  create(key: string, value: string): Promise<number | undefined>;
  update(key: string, value: string, revision: number): Promise<number | undefined>;
  delete(key: string, revision?: number): Promise<boolean>;
}

/** Where the election reports its Prometheus series (see `SchedulerMetrics.election`). */
export interface ElectionMetrics {
  /** One campaign, by the state it was made in (`candidate` creates, `leader` refreshes). */
  campaign(state: "candidate" | "leader"): void;
  leader(isLeader: boolean): void;
  interval(seconds: number): void;
}

/** Options of an election. Timings default as `resolveTiming` documents. */
export interface ElectionOptions extends Partial<Omit<ElectionTiming, "ttlMs">> {
  /** Our identity: the value we write to the key, and the name in the leader-elected event. */
  name: string;
  /** The key campaigned on; also the event's component and the metrics' `election` label. */
  key: string;
  bucket: LeaseBucket;
  /** Publishes the leader-elected event (the client's `storage.events`). */
  events?: { leaderElected(name: string, component: string): void };
  /** False while NATS is disconnected: no campaigns, and no acting as leader. Default always true. */
  connected?: () => boolean;
  /** Called when our win is announced. */
  onLeader?: () => void;
  /** Called when announced leadership ends (a failed refresh, or stopping), with why. */
  onLost?: (why: string) => void;
  /** Random numbers in [0, 1) for the first campaign's splay. Default Math.random. */
  random?: () => number;
  /** Default Date.now. */
  clock?: Clock;
  metrics?: ElectionMetrics;
  log?: Log;
}

/** One candidate in one election; `run` campaigns until its signal aborts. */
export class Election {
  readonly timing: ElectionTiming;
  #state: ElectionState = CANDIDATE;
  #running = false;
  readonly #clock: Clock;
  readonly #connected: () => boolean;
  readonly #log: Log;

  constructor(private readonly opts: ElectionOptions) {
    if (!opts.name) throw new RangeError("an election candidate needs a name");
    this.timing = resolveTiming(opts.bucket.ttlMs, opts);
    this.#clock = opts.clock ?? Date.now;
    this.#connected = opts.connected ?? (() => true);
    this.#log = opts.log ?? silentLog;
  }

  /** True while we may act as leader: announced, lease not run out, NATS connected. */
  isLeader(): boolean {
    return mayLead(this.#state, this.#clock(), this.timing.ttlMs) && this.#connected();
  }

  /** The state machine's current state (for status output and tests). */
  get state(): ElectionState {
    return this.#state;
  }

  /**
   * Campaigns until `signal` aborts: a random splay first, then create or refresh on the timings.
   * On abort it finishes the request in flight and steps down, deleting the key only while it still
   * holds our revision, so another candidate takes over at its next campaign instead of after the TTL.
   */
  async run(signal: AbortSignal): Promise<void> {
    if (this.#running) throw new Error(`election ${this.opts.key} is already running`);
    this.#running = true;
    try {
      await sleep(splayMs(this.opts.random ?? Math.random, this.timing), signal);
      this.opts.metrics?.interval(this.timing.campaignIntervalMs / 1000);
      while (!signal.aborted) {
        const startedAt = this.#clock();
        const attempt = nextAttempt(this.#state);
        this.opts.metrics?.campaign(this.#state.role);
        const outcome = await this.#try(attempt);
        const step = afterAttempt(this.#state, outcome, startedAt, this.timing);
        this.#state = step.state;
        if (step.event === "leader") this.#won();
        else if (step.event === "lost")
          this.#lost(`refreshing the ${this.opts.key} key failed: ${why(outcome)}`);
        else if (attempt.op === "create" && outcome.ok) {
          this.#log.debug?.(`won ${this.opts.key} as ${this.opts.name}, confirming`);
        } else if (attempt.op === "update" && !outcome.ok) {
          this.#log.debug?.(`lost ${this.opts.key} before announcing: ${why(outcome)}`);
        }
        this.opts.metrics?.interval(step.delayMs / 1000);
        await this.#pause(startedAt + step.delayMs - this.#clock(), signal);
      }
    } finally {
      await this.#stepDown();
      this.#running = false;
    }
  }

  /**
   * Waits until the next campaign. A leader wakes early when NATS disconnects, so that it steps
   * down, and says so, at once rather than at its next refresh (which may be seconds away).
   */
  async #pause(ms: number, signal: AbortSignal): Promise<void> {
    if (this.#state.role !== "leader") return sleep(ms, signal);
    let left = ms;
    while (left > 0 && !signal.aborted && this.#connected()) {
      const slice = Math.min(left, DISCONNECT_CHECK_MS);
      await sleep(slice, signal);
      left -= slice;
    }
  }

  async #try(attempt: Attempt): Promise<Outcome> {
    if (!this.#connected()) return { ok: false, error: new Error("NATS is not connected") };
    const { bucket, key, name } = this.opts;
    try {
      const revision =
        attempt.op === "create"
          ? await bucket.create(key, name)
          : await bucket.update(key, name, attempt.revision);
      return revision === undefined ? { ok: false } : { ok: true, revision };
    } catch (error) {
      return { ok: false, error };
    }
  }

  #won(): void {
    this.opts.metrics?.leader(true);
    this.#log.debug?.(`elected leader of ${this.opts.key} as ${this.opts.name}`);
    this.opts.events?.leaderElected(this.opts.name, this.opts.key);
    this.opts.onLeader?.();
  }

  #lost(reason: string): void {
    this.opts.metrics?.leader(false);
    this.#log.debug?.(`lost leadership of ${this.opts.key}: ${reason}`);
    this.opts.onLost?.(reason);
  }

  async #stepDown(): Promise<void> {
    const s = this.#state;
    this.#state = CANDIDATE;
    if (s.role !== "leader") return;
    if (this.#connected()) {
      try {
        await this.opts.bucket.delete(this.opts.key, s.revision);
      } catch (err) {
        // The key then expires after the TTL: slower hand-over, nothing worse.
        this.#log.warn(`could not release ${this.opts.key}: ${why({ ok: false, error: err })}`);
      }
    }
    if (s.announced) this.#lost("stopped");
  }
}

function why(outcome: Outcome): string {
  if (outcome.ok) return "ok";
  if (outcome.error === undefined) return "the key expired or is held by another candidate";
  return outcome.error instanceof Error ? outcome.error.message : String(outcome.error);
}
