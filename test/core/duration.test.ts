import { describe, expect, test } from "bun:test";
import { formatGoDuration, parseGoDuration, parseGoDurationBig } from "../../src/core/duration.ts";

const S = 1_000_000_000;

describe("parseGoDuration", () => {
  test.each([
    ["0", 0],
    ["-0", 0],
    ["+5s", 5 * S],
    ["300ms", 300_000_000],
    ["1.5h", 5400 * S],
    ["2h45m", (2 * 3600 + 45 * 60) * S],
    ["-1s", -S],
    ["1µs", 1000], // U+00B5 micro sign
    ["1μs", 1000], // U+03BC Greek mu
    ["1us", 1000],
    ["7ns", 7],
    [".5s", S / 2],
    ["1.s", S],
    ["1h1m1s1ms1us1ns", 3_661_001_001_001],
    ["1.0000000001s", S], // fractions below a nanosecond are dropped
    ["0.1ns", 0],
  ])("%p is %p ns", (input, ns) => {
    expect(parseGoDuration(input)).toBe(ns);
  });

  test("the int64 range is exactly Go's", () => {
    expect(parseGoDurationBig("9223372036854775807ns")).toBe(9223372036854775807n);
    expect(parseGoDurationBig("-9223372036854775808ns")).toBe(-9223372036854775808n);
    expect(parseGoDurationBig("2562047h47m16.854775807s")).toBe(9223372036854775807n);
  });

  test.each([
    ["", 'time: invalid duration ""'],
    ["1", 'time: missing unit in duration "1"'],
    ["1x", 'time: unknown unit "x" in duration "1x"'],
    ["-", 'time: invalid duration "-"'],
    [".s", 'time: invalid duration ".s"'],
    ["s", 'time: invalid duration "s"'],
    ["1s-1s", 'time: unknown unit "s-" in duration "1s-1s"'],
    ["00", 'time: missing unit in duration "00"'],
    ["9223372036854775808ns", 'time: invalid duration "9223372036854775808ns"'],
    ["2562048h", 'time: invalid duration "2562048h"'],
    ["-9223372036854775809ns", 'time: invalid duration "-9223372036854775809ns"'],
  ])("%p is refused: %s", (input, message) => {
    expect(() => parseGoDuration(input, "max_age")).toThrow(message);
    try {
      parseGoDuration(input, "max_age");
    } catch (err) {
      expect(err).toMatchObject({ reason: "invalid_duration", field: "max_age" });
    }
  });
});

describe("formatGoDuration", () => {
  test.each([
    [0, "0s"],
    [1, "1ns"],
    [999, "999ns"],
    [1100, "1.1µs"],
    [2_200_000, "2.2ms"],
    [1.5e9, "1.5s"],
    [90 * 60 * S, "1h30m0s"],
    [3600 * S, "1h0m0s"],
    [61 * S, "1m1s"],
    [-1.5e9, "-1.5s"],
    [-1, "-1ns"],
    [300_000_000, "300ms"],
    [1_000_000_001, "1.000000001s"],
  ])("%p is %p", (ns, text) => {
    expect(formatGoDuration(ns)).toBe(text);
  });

  test("the int64 extremes", () => {
    expect(formatGoDuration(9223372036854775807n)).toBe("2562047h47m16.854775807s");
    expect(formatGoDuration(-9223372036854775808n)).toBe("-2562047h47m16.854775808s");
  });

  test("formatting then parsing gives the same duration", () => {
    for (const ns of [1, 999, 1000, 1_234_567, 59 * S, 3_599_999_999_999, 86_400 * S]) {
      expect(parseGoDuration(formatGoDuration(ns))).toBe(ns);
    }
  });
});
