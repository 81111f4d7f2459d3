/**
 * The leader-election state machine of asyncjobs, as pure functions: what to try next, what an
 * outcome means, when to try again and whether we may act as leader at a given moment. The loop
 * that talks to the elections bucket lives in `election.ts`; this file has no clock, no timers and
 * no randomness of its own, so every rule is table-tested.
 *
 * The rules (the spec's "Schedules and the scheduler"): a candidate `create`s the key (atomic, one
 * wins); the leader refreshes it with a revision-checked `update` every 75% of the TTL; a failed
 * update is leadership lost at once; a win is announced only after the first successful refresh;
 * candidates wait a random 0-5s before their first campaign.
 */

/** Timings of one election, in milliseconds. */
export interface ElectionTiming {
  /** The bucket's TTL: a key not refreshed for this long expires. */
  ttlMs: number;
  /** How often the leader refreshes the key. Default 75% of the TTL (as Go). */
  refreshIntervalMs: number;
  /**
   * How long after winning the confirming first refresh comes; the win is announced only after it.
   * Default 25% of the TTL. Go waits a whole refresh interval; a quarter of the TTL is enough for a
   * stale leader to notice (its refresh was due 2.5s before the key could expire and fails within
   * the 5s request timeout) and lets a standby take over within about one TTL instead of two.
   */
  confirmDelayMs: number;
  /** How often a candidate tries to create the key. Default 1s: a failed create is one cheap request. */
  campaignIntervalMs: number;
  /** Upper bound of the random wait before the first campaign. Default 5s (as Go). */
  maxSplayMs: number;
}

/** Go's splay before the first campaign: a random 0-5s, so restarted fleets do not stampede. */
export const DEFAULT_MAX_SPLAY_MS = 5_000;
/** Candidates campaign this often. */
export const DEFAULT_CAMPAIGN_INTERVAL_MS = 1_000;
/** The leader refreshes after this fraction of the TTL (the spec's 75%). */
export const REFRESH_FRACTION = 0.75;
/** The confirming refresh comes after this fraction of the TTL. */
export const CONFIRM_FRACTION = 0.25;

/** The shortest elections-bucket TTL accepted (as Go): the refresh would come too often below it. */
export const MIN_ELECTION_TTL_MS = 10_000;
/** The longest elections-bucket TTL accepted (as Go): a dead leader would be replaced too late. */
export const MAX_ELECTION_TTL_MS = 3_600_000;

/**
 * Why an elections bucket's TTL cannot be used, or undefined when it can (10s to 1h, as the Go
 * library checks). A bucket without a TTL (0) keeps a dead leader's key forever.
 */
export function electionTtlProblem(ttlMs: number): string | undefined {
  if (!Number.isFinite(ttlMs) || ttlMs < MIN_ELECTION_TTL_MS) {
    return `the elections bucket's TTL (${ttlMs / 1000}s) must be 10 seconds or more`;
  }
  if (ttlMs > MAX_ELECTION_TTL_MS) {
    return `the elections bucket's TTL (${ttlMs / 1000}s) must be at most 1 hour`;
  }
  return undefined;
}

/** Defaults for a bucket TTL merged with overrides; throws RangeError on timings that cannot work. */
export function resolveTiming(
  ttlMs: number,
  overrides: Partial<Omit<ElectionTiming, "ttlMs">> = {},
): ElectionTiming {
  const t: ElectionTiming = {
    ttlMs,
    refreshIntervalMs: overrides.refreshIntervalMs ?? Math.floor(ttlMs * REFRESH_FRACTION),
    confirmDelayMs: overrides.confirmDelayMs ?? Math.floor(ttlMs * CONFIRM_FRACTION),
    campaignIntervalMs: overrides.campaignIntervalMs ?? DEFAULT_CAMPAIGN_INTERVAL_MS,
    maxSplayMs: overrides.maxSplayMs ?? DEFAULT_MAX_SPLAY_MS,
  };
  for (const [k, v] of Object.entries(t)) {
    if (!Number.isFinite(v) || v < 0) throw new RangeError(`election ${k} must be a non-negative number`);
  }
  if (t.ttlMs <= 0) throw new RangeError("election ttlMs must be positive");
  // A refresh that comes after the TTL finds the key expired: leadership would flap every term.
  if (t.refreshIntervalMs <= 0 || t.refreshIntervalMs >= t.ttlMs) {
    throw new RangeError("election refreshIntervalMs must be above 0 and below the TTL");
  }
  if (t.confirmDelayMs >= t.ttlMs) throw new RangeError("election confirmDelayMs must be below the TTL");
  if (t.campaignIntervalMs <= 0) throw new RangeError("election campaignIntervalMs must be above 0");
  return t;
}

/** Where a candidate stands. */
export type ElectionState =
  | { role: "candidate" }
  | {
      role: "leader";
      /** Revision of our last write of the key: the next update must find it there. */
      revision: number;
      /** True once the first refresh succeeded and the win was announced. */
      announced: boolean;
      /** When the last successful write was sent: the key lives at least a TTL from then. */
      leaseFromMs: number;
    };

export const CANDIDATE: ElectionState = { role: "candidate" };

/** The bucket operation to try next. */
export type Attempt = { op: "create" } | { op: "update"; revision: number };

/** What the bucket said: the key's new revision, or a refusal or failure. */
export type Outcome = { ok: true; revision: number } | { ok: false; error?: unknown };

/** The result of applying an outcome. */
export interface Step {
  state: ElectionState;
  /** `leader` when the win is announced now, `lost` when announced leadership ended now. */
  event?: "leader" | "lost";
  /** Wait this long after the attempt started before the next one. */
  delayMs: number;
}

/** A candidate creates the key; a leader refreshes it at the revision it last wrote. */
export function nextAttempt(state: ElectionState): Attempt {
  return state.role === "leader" ? { op: "update", revision: state.revision } : { op: "create" };
}

/** Applies the outcome of the attempt that started at `startedAtMs`. */
export function afterAttempt(
  state: ElectionState,
  outcome: Outcome,
  startedAtMs: number,
  timing: ElectionTiming,
): Step {
  if (state.role === "candidate") {
    if (!outcome.ok) return { state, delayMs: timing.campaignIntervalMs };
    // Won the create, but say nothing until a refresh confirms it.
    return {
      state: { role: "leader", revision: outcome.revision, announced: false, leaseFromMs: startedAtMs },
      delayMs: timing.confirmDelayMs,
    };
  }
  if (!outcome.ok) {
    return {
      state: CANDIDATE,
      ...(state.announced ? { event: "lost" as const } : {}),
      delayMs: timing.campaignIntervalMs,
    };
  }
  return {
    state: { role: "leader", revision: outcome.revision, announced: true, leaseFromMs: startedAtMs },
    ...(state.announced ? {} : { event: "leader" as const }),
    delayMs: timing.refreshIntervalMs,
  };
}

/**
 * True when we may act as leader at `nowMs`: announced, and the key cannot have expired yet. A
 * refresh that is late (a stalled process, a slow or lost NATS) stops the leader acting the moment
 * its lease runs out, before anyone else can have created the key, whatever the refresh's fate.
 */
export function mayLead(state: ElectionState, nowMs: number, ttlMs: number): boolean {
  return state.role === "leader" && state.announced && nowMs - state.leaseFromMs < ttlMs;
}

/** The wait before the first campaign, from a random number in [0, 1). */
export function splayMs(random: () => number, timing: ElectionTiming): number {
  return Math.floor(Math.min(Math.max(random(), 0), 0.999_999) * timing.maxSplayMs);
}
