import { expect, test } from "bun:test";
import { formatTimeMs, formatTimeNs, isTime, nsSince, parseTimeNs, timeMs } from "../../src/core/time.ts";

const BASE = BigInt(Date.UTC(2022, 1, 7, 10, 16, 42)) * 1_000_000n;

test.each([
  ["2022-02-07T10:16:42Z", BASE],
  ["2022-02-07T10:16:42.123456789Z", BASE + 123_456_789n],
  ["2022-02-07T10:16:42.5Z", BASE + 500_000_000n],
  ["2022-02-07t10:16:42z", BASE],
  ["2022-02-07T11:16:42.000000001+01:00", BASE + 1n],
  ["2022-02-07T05:46:42-04:30", BASE],
])("%p is %p ns", (s, ns) => {
  expect(parseTimeNs(s)).toBe(ns);
});

test.each([
  "2022-02-07",
  "2022-02-07 10:16:42Z",
  "2022-02-30T00:00:00Z",
  "2022-13-01T00:00:00Z",
  "2022-02-07T24:00:00Z",
  "2022-02-07T10:16:42.1234567890Z",
  "2022-02-07T10:16:42+0100",
  "",
])("%p is not RFC 3339", (s) => {
  expect(parseTimeNs(s)).toBeUndefined();
  expect(isTime(s)).toBe(false);
});

test("formatting is Go's RFC3339Nano in UTC: trailing zeros dropped", () => {
  expect(formatTimeNs(BASE + 123_456_789n)).toBe("2022-02-07T10:16:42.123456789Z");
  expect(formatTimeNs(BASE + 500_000_000n)).toBe("2022-02-07T10:16:42.5Z");
  expect(formatTimeNs(BASE)).toBe("2022-02-07T10:16:42Z");
  expect(formatTimeNs(-1n)).toBe("1969-12-31T23:59:59.999999999Z");
  expect(formatTimeMs(Number(BASE / 1_000_000n) + 120)).toBe("2022-02-07T10:16:42.12Z");
});

test("milliseconds of a timestamp; NaN when invalid", () => {
  expect(timeMs("2022-02-07T10:16:42.123456789Z")).toBe(Number(BASE / 1_000_000n) + 123);
  expect(timeMs("nope")).toBeNaN();
});

test("formatTimeMs (no BigInt) agrees with formatTimeNs, before 1970 and past year 9999 too", () => {
  const samples = [
    0, 1, 10, 100, 120, 999, 1000, 1_700_000_000_123, 253_402_300_799_999, 253_402_300_800_000, -1, -1234,
  ];
  for (let i = 0; i < 2000; i++) samples.push(Math.floor(Math.random() * 4e12) - 1e12);
  for (const ms of samples) expect(formatTimeMs(ms)).toBe(formatTimeNs(BigInt(ms) * 1_000_000n));
});

test("nsSince is exact: the age of a task in nanoseconds, as BigInt arithmetic gives it", () => {
  const now = 1_700_000_000_123;
  expect(nsSince("2023-11-14T22:13:20.000000001Z", now)).toBe(122_999_999);
  expect(nsSince("2023-11-14T23:13:20.1+01:00", now)).toBe(23_000_000);
  expect(nsSince("2023-11-14T22:13:20.200Z", now)).toBe(-77_000_000);
  expect(nsSince("1970-01-01T00:00:00.000000007Z", now)).toBe(Number(BigInt(now) * 1_000_000n - 7n));
  expect(nsSince("not a time", now)).toBeUndefined();
  for (const s of [
    "2021-03-04T05:06:07.891234567Z",
    "1969-12-31T23:59:59.999999999Z",
    "2024-01-02T03:04:05-08:00",
  ]) {
    expect(nsSince(s, now)).toBe(Number(BigInt(now) * 1_000_000n - parseTimeNs(s)!));
  }
});
