/**
 * A fuzz run can be replayed from its log: AJC_FUZZ_SEED is the seed it runs with, one seed always
 * generates the same requests, and a failure's message starts with the seed and how to replay it.
 */
import { expect, test } from "bun:test";
import fc from "fast-check";
import { fetchRequests, fuzzAssert, fuzzSeed, nastyString, rawRequests } from "../helpers/fuzz.ts";

/** `f` with AJC_FUZZ_SEED set to `value`, the variable put back afterwards. */
function withSeedEnv<T>(value: string, f: () => T): T {
  const before = process.env.AJC_FUZZ_SEED;
  process.env.AJC_FUZZ_SEED = value;
  try {
    return f();
  } finally {
    if (before === undefined) delete process.env.AJC_FUZZ_SEED;
    else process.env.AJC_FUZZ_SEED = before;
  }
}

const opts = { names: nastyString, auth: "replay-auth", secret: "replay-secret" };

test("AJC_FUZZ_SEED is the run's seed, and one seed generates the same requests again", () => {
  const seed = withSeedEnv("424242", () => fuzzSeed("fuzz-replay"));
  expect(seed).toBe(424242);
  for (const arb of [fetchRequests(opts), rawRequests(opts)] as fc.Arbitrary<unknown>[]) {
    const first = fc.sample(arb, { seed, numRuns: 40 });
    expect(fc.sample(arb, { seed, numRuns: 40 })).toEqual(first);
    // ... and another seed other ones, so the comparison above is not vacuous.
    expect(fc.sample(arb, { seed: seed + 1, numRuns: 40 })).not.toEqual(first);
  }
});

test("a seed that is not an integer is refused rather than replaced by a fresh one", () => {
  expect(() => withSeedEnv("12abc", () => fuzzSeed("fuzz-replay"))).toThrow(
    /AJC_FUZZ_SEED must be an integer/,
  );
});

test("a failing property's message starts with its seed and how to replay it", async () => {
  const failing = fc.property(fc.integer({ min: 0, max: 1_000 }), (n) => n < 500);
  const err = (await fuzzAssert(failing, { seed: 7, numRuns: 200 }).catch((e: unknown) => e)) as Error;
  expect(err).toBeInstanceOf(Error);
  expect(err.message).toStartWith("fuzz seed 7 failed (replay with AJC_FUZZ_SEED=7");
  // fast-check's own report follows, with the counterexample.
  expect(err.message).toContain("Counterexample");
});
