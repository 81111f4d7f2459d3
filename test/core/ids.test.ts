import { expect, test } from "bun:test";
import { decodeTime, isValid } from "ulid";
import { newUlid } from "../../src/core/ids.ts";

test("ids are valid ULIDs carrying the time given, unique and in order within one millisecond", () => {
  const now = 1_700_000_000_000;
  const ids = Array.from({ length: 5_000 }, (_, i) => newUlid(now + Math.floor(i / 1000)));
  for (const id of ids) expect(isValid(id)).toBe(true);
  expect(decodeTime(ids[0]!)).toBe(now);
  expect(decodeTime(ids.at(-1)!)).toBe(now + 4);
  expect(new Set(ids).size).toBe(ids.length);
  expect([...ids].sort()).toEqual(ids);
});

test("a new millisecond draws a new random part; a clock stepping back still gets its own time", () => {
  const a = newUlid(1_700_000_000_010);
  const b = newUlid(1_700_000_000_011);
  expect(a.slice(10)).not.toBe(b.slice(10));
  const back = newUlid(1_600_000_000_000);
  expect(decodeTime(back)).toBe(1_600_000_000_000);
  const chars = new Set(
    Array.from({ length: 200 }, (_, i) => newUlid(1_600_000_000_001 + i).slice(10)).join(""),
  );
  expect(chars.size).toBe(32);
  expect(decodeTime(newUlid())).toBeGreaterThan(1_700_000_000_000);
});
