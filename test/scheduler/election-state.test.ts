/** The election rules as pure functions: transitions, timings, the lease, and a simulated race. */
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import {
  afterAttempt,
  CANDIDATE,
  type ElectionState,
  mayLead,
  nextAttempt,
  type Outcome,
  resolveTiming,
  splayMs,
} from "../../src/scheduler/election-state.ts";
import { fuzzAssert, fuzzSeed } from "../helpers/fuzz.ts";

const T = resolveTiming(10_000);

describe("resolveTiming", () => {
  test("defaults for the 10s elections bucket", () => {
    expect(T).toEqual({
      ttlMs: 10_000,
      refreshIntervalMs: 7_500,
      confirmDelayMs: 2_500,
      campaignIntervalMs: 1_000,
      maxSplayMs: 5_000,
    });
  });

  test.each([
    [{ refreshIntervalMs: 10_000 }, /refreshIntervalMs/],
    [{ refreshIntervalMs: 0 }, /refreshIntervalMs/],
    [{ confirmDelayMs: 10_000 }, /confirmDelayMs/],
    [{ campaignIntervalMs: 0 }, /campaignIntervalMs/],
    [{ maxSplayMs: -1 }, /maxSplayMs/],
    [{ campaignIntervalMs: Number.NaN }, /campaignIntervalMs/],
  ])("rejects %p", (o, msg) => {
    expect(() => resolveTiming(10_000, o)).toThrow(msg);
  });
});

const leader = (announced: boolean, revision = 5, leaseFromMs = 1_000): ElectionState => ({
  role: "leader",
  revision,
  announced,
  leaseFromMs,
});
const ok = (revision: number): Outcome => ({ ok: true, revision });
const refused: Outcome = { ok: false };
const failed: Outcome = { ok: false, error: new Error("timeout") };

test("a candidate creates, a leader updates at its revision", () => {
  expect(nextAttempt(CANDIDATE)).toEqual({ op: "create" });
  expect(nextAttempt(leader(true, 42))).toEqual({ op: "update", revision: 42 });
});

describe("afterAttempt", () => {
  const at = 20_000;
  test.each<[string, ElectionState, Outcome, ElectionState, "leader" | "lost" | undefined, number]>([
    ["candidate wins the create", CANDIDATE, ok(7), leader(false, 7, at), undefined, T.confirmDelayMs],
    ["candidate finds the key taken", CANDIDATE, refused, CANDIDATE, undefined, T.campaignIntervalMs],
    ["candidate cannot reach NATS", CANDIDATE, failed, CANDIDATE, undefined, T.campaignIntervalMs],
    [
      "first refresh announces the win",
      leader(false),
      ok(8),
      leader(true, 8, at),
      "leader",
      T.refreshIntervalMs,
    ],
    [
      "first refresh fails: never announced",
      leader(false),
      refused,
      CANDIDATE,
      undefined,
      T.campaignIntervalMs,
    ],
    ["later refresh keeps quiet", leader(true), ok(9), leader(true, 9, at), undefined, T.refreshIntervalMs],
    ["refresh refused: lost at once", leader(true), refused, CANDIDATE, "lost", T.campaignIntervalMs],
    ["refresh errors: lost at once", leader(true), failed, CANDIDATE, "lost", T.campaignIntervalMs],
  ])("%s", (_name, state, outcome, wantState, wantEvent, wantDelay) => {
    const step = afterAttempt(state, outcome, at, T);
    expect(step.state).toEqual(wantState);
    expect(step.event).toBe(wantEvent);
    expect(step.delayMs).toBe(wantDelay);
  });
});

describe("mayLead", () => {
  test.each<[string, ElectionState, number, boolean]>([
    ["candidate", CANDIDATE, 1_000, false],
    ["won but not yet confirmed", leader(false), 1_000, false],
    ["announced, fresh lease", leader(true), 1_000, true],
    ["announced, last moment of the lease", leader(true), 1_000 + 9_999, true],
    ["announced, lease run out (late refresh)", leader(true), 1_000 + 10_000, false],
  ])("%s", (_name, state, now, want) => {
    expect(mayLead(state, now, T.ttlMs)).toBe(want);
  });
});

test.each([
  [0, 0],
  [0.5, 2_500],
  [0.9999999, 4_999],
  [1, 4_999],
  [-3, 0],
])("splay for random %p is %p ms", (r, want) => {
  expect(splayMs(() => r, T)).toBe(want);
});

/**
 * Two candidates against a model of the KV key (create-if-absent, revision-checked update, expiry a
 * TTL after the server stored the last write), with arbitrary request and reply latencies and
 * process stalls, run as a discrete-event simulation: at no moment may both act as leader.
 * Leadership only ends as time passes, so checking right after every event covers every moment.
 */
test("simulated races never have two leaders", async () => {
  const ms = (max: number) => fc.integer({ min: 0, max });
  const scenario = fc.record({
    splays: fc.tuple(ms(5_000), ms(5_000)),
    // per request: latency to the server, latency back, and a stall before the next wake
    delays: fc.array(fc.tuple(ms(6_000), ms(6_000), fc.oneof(fc.constant(0), ms(15_000))), {
      minLength: 20,
      maxLength: 20,
    }),
  });
  type Ev = { at: number; who: number } & (
    | { kind: "wake" }
    | { kind: "apply"; started: number; revision?: number }
    | { kind: "reply"; started: number; outcome: Outcome }
  );
  let wins = 0;
  await fuzzAssert(
    fc.property(scenario, ({ splays, delays }) => {
      let key: { revision: number; expiresAt: number } | undefined;
      let seq = 0;
      const states: ElectionState[] = [CANDIDATE, CANDIDATE];
      const queue: Ev[] = splays.map((at, who) => ({ at, who, kind: "wake" as const }));
      let n = 0;
      let maxLeaders = 0;
      while (queue.length > 0 && n < 400) {
        queue.sort((a, b) => a.at - b.at);
        const ev = queue.shift()!;
        const [toServer, back, stall] = delays[n++ % delays.length]!;
        if (ev.kind === "wake") {
          const a = nextAttempt(states[ev.who]!);
          const revision = a.op === "update" ? a.revision : undefined;
          queue.push({ at: ev.at + toServer, who: ev.who, kind: "apply", started: ev.at, revision });
        } else if (ev.kind === "apply") {
          if (key && key.expiresAt <= ev.at) key = undefined;
          const fits = ev.revision === undefined ? key === undefined : key?.revision === ev.revision;
          let outcome: Outcome = refused;
          if (fits) {
            key = { revision: ++seq, expiresAt: ev.at + T.ttlMs };
            outcome = ok(seq);
          }
          queue.push({ at: ev.at + back, who: ev.who, kind: "reply", started: ev.started, outcome });
        } else {
          const step = afterAttempt(states[ev.who]!, ev.outcome, ev.started, T);
          states[ev.who] = step.state;
          if (step.event === "leader") wins++;
          queue.push({ at: Math.max(ev.at, ev.started + step.delayMs) + stall, who: ev.who, kind: "wake" });
        }
        const leaders = states.filter((s) => mayLead(s, ev.at, T.ttlMs)).length;
        maxLeaders = Math.max(maxLeaders, leaders);
      }
      expect(maxLeaders).toBeLessThanOrEqual(1);
    }),
    { numRuns: 500, seed: fuzzSeed("election-state") },
  );
  // The scenarios do elect leaders (and hand over), so the check above is not vacuous.
  expect(wins).toBeGreaterThan(500);
});
