import { describe, expect, test } from "bun:test";
import { listRetryPolicies, RETRY_POLICIES, retryDelay, retryPolicy } from "../../src/core/retry.ts";

describe("retry policies", () => {
  // The spec's table: steps, jitter, first three intervals and the last one, in nanoseconds.
  test.each([
    ["10m", 50, 0.9, [60000000000, 70800000000, 81600000000], 589200000000],
    ["1h", 20, 0.9, [600000000000, 750000000000, 900000000000], 3450000000000],
    ["1m", 20, 0.5, [1000000000, 3950000000, 6900000000], 57050000000],
    ["default", 50, 0.9, [60000000000, 70800000000, 81600000000], 589200000000],
  ])("%s", (name, steps, jitter, first, last) => {
    const p = retryPolicy(name);
    expect(p.name).toBe(name);
    expect(p.intervals).toHaveLength(steps);
    expect(p.jitter).toBe(jitter);
    expect(p.intervals.slice(0, 3)).toEqual(first);
    expect(p.intervals.at(-1)).toBe(last);
    expect(p.intervals.every(Number.isSafeInteger)).toBe(true);
  });

  test("default is the same schedule as 10m", () => {
    expect(RETRY_POLICIES.default!.intervals).toEqual(RETRY_POLICIES["10m"]!.intervals);
  });

  test("listed sorted by name", () => {
    expect(listRetryPolicies().map((p) => p.name)).toEqual(["10m", "1h", "1m", "default"]);
  });

  test("an unknown policy is unknown_retry_policy", () => {
    expect(() => retryPolicy("2h")).toThrow(expect.objectContaining({ reason: "unknown_retry_policy" }));
    expect(() => retryPolicy("toString")).toThrow(
      expect.objectContaining({ reason: "unknown_retry_policy" }),
    );
  });
});

describe("retryDelay", () => {
  const p = retryPolicy("10m");

  test("the lowest delay is interval * jitter", () => {
    expect(retryDelay(p, 0, () => 0)).toBe(54_000_000_000);
    expect(retryDelay(p, 1, () => 0)).toBe(63_720_000_000);
  });

  test("the highest delay stays below interval * (1 + jitter)", () => {
    const d = p.intervals[0]!;
    const high = retryDelay(p, 0, () => 0.999999999);
    expect(high).toBeLessThanOrEqual(d * 1.9);
    expect(high).toBeGreaterThan(d * 1.89);
  });

  test("tries past the end use the last interval", () => {
    expect(retryDelay(p, 49, () => 0)).toBe(retryDelay(p, 1000, () => 0));
    expect(retryDelay(p, 1000, () => 0)).toBe(Math.round((589_200_000_000 * 0.9) / 1e6) * 1e6);
  });

  test("delays are whole milliseconds, within bounds for any random value", () => {
    for (const name of ["10m", "1h", "1m"]) {
      const policy = retryPolicy(name);
      for (let n = 0; n < policy.intervals.length + 2; n++) {
        for (const r of [0, 0.25, 0.5, 0.999]) {
          const d = policy.intervals[Math.min(n, policy.intervals.length - 1)]!;
          const delay = retryDelay(policy, n, () => r);
          expect(delay % 1_000_000).toBe(0);
          expect(delay).toBeGreaterThanOrEqual(Math.floor(d * policy.jitter) - 500_000);
          expect(delay).toBeLessThanOrEqual(d * (1 + policy.jitter) + 500_000);
        }
      }
    }
  });

  test("a delay that rounds to 0 becomes the first interval", () => {
    const tiny = { name: "tiny", intervals: [100, 200], jitter: 0.5 };
    expect(retryDelay(tiny, 1, () => 0)).toBe(100);
  });
});
