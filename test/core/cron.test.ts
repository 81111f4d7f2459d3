import { describe, expect, test } from "bun:test";
import { normaliseCronShorthand, parseCron } from "../../src/core/cron.ts";

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

describe("parseCron", () => {
  const from = at("2024-01-01T10:07:30.250Z"); // a Monday

  // Without a zone, cron fields are in the process's local time (as in Go); pin UTC so the
  // expectations hold on any machine.
  test.each([
    ["*/5 * * * *", "2024-01-01T10:10:00.000Z"],
    ["CRON_TZ=UTC 0 9 * * 1-5", "2024-01-02T09:00:00.000Z"],
    ["CRON_TZ=UTC 30 10 1 1 *", "2024-01-01T10:30:00.000Z"],
    ["CRON_TZ=UTC 0 0 ? * MON", "2024-01-08T00:00:00.000Z"],
    ["@hourly", "2024-01-01T11:00:00.000Z"],
    ["CRON_TZ=UTC @daily", "2024-01-02T00:00:00.000Z"],
    ["CRON_TZ=UTC @midnight", "2024-01-02T00:00:00.000Z"],
    ["CRON_TZ=UTC @weekly", "2024-01-07T00:00:00.000Z"],
    ["CRON_TZ=UTC @monthly", "2024-02-01T00:00:00.000Z"],
    ["CRON_TZ=UTC @yearly", "2025-01-01T00:00:00.000Z"],
    ["CRON_TZ=UTC @annually", "2025-01-01T00:00:00.000Z"],
    ["@every 5m", "2024-01-01T10:12:30.000Z"],
    ["@every 1h30m", "2024-01-01T11:37:30.000Z"],
    ["CRON_TZ=Europe/Berlin 0 9 * * *", "2024-01-02T08:00:00.000Z"],
    ["TZ=America/New_York 0 9 * * *", "2024-01-01T14:00:00.000Z"],
    // Forms Go's parser takes that croner spells differently: "N/step" runs from N to the end.
    ["CRON_TZ=UTC 10/15 * * * *", "2024-01-01T10:10:00.000Z"],
    ["CRON_TZ=UTC 0 0 * jan,FEB mon", "2024-01-08T00:00:00.000Z"],
    ["CRON_TZ=UTC 0-30/20 * * * ?", "2024-01-01T10:20:00.000Z"],
  ])("%p fires next at %s", (expr, next) => {
    expect(iso(parseCron(expr).next(from))).toBe(next);
  });

  test("day of month and day of week together mean either (standard cron)", () => {
    const s = parseCron("CRON_TZ=UTC 0 0 13 * 5");
    let t = at("2024-01-01T00:00:00Z");
    const fired: string[] = [];
    for (let i = 0; i < 3; i++) {
      t = s.next(t)!;
      fired.push(iso(t)!.slice(0, 10));
    }
    expect(fired).toEqual(["2024-01-05", "2024-01-12", "2024-01-13"]);
  });

  test("@every below a second runs every second, fractions of a second are dropped (as Go's cron)", () => {
    expect(parseCron("@every 500ms").next(from)! - at("2024-01-01T10:07:30Z")).toBe(1000);
    expect(parseCron("@every 2.7s").next(from)! - at("2024-01-01T10:07:30Z")).toBe(2000);
  });

  test.each([
    "",
    "* * * *",
    "* * * * * *",
    "61 * * * *",
    "* 24 * * *",
    "* * 32 * *",
    "* * * 13 *",
    "* * * * 8",
    "@fortnightly",
    "@every",
    "@every x",
    "@every 5",
    "CRON_TZ=Nowhere/City 0 9 * * *",
    "CRON_TZ=UTC",
    "daily",
    // What the Go scheduler's parser refuses is refused here too, so it is never stored.
    "@DAILY",
    "@Hourly",
    "0 0 * * 7",
    "0 0 L * *",
    "0 0 15W * *",
    "0 0 * * 1#2",
    "0 0 * * 5L",
    "*/0 * * * *",
    "30-10 * * * *",
    "0 0 * * monday",
  ])("%p is schedule_invalid", (expr) => {
    expect(() => parseCron(expr)).toThrow(
      expect.objectContaining({ reason: "schedule_invalid", field: "schedule" }),
    );
  });
});

test.each([
  ["daily", "@daily"],
  ["Hourly", "@hourly"],
  ["midnight", "@midnight"],
  ["annually", "@annually"],
  ["every 5m", "@every 5m"],
  ["every  1h30m", "@every 1h30m"],
  ["@daily", "@daily"],
  ["@every 5m", "@every 5m"],
  ["*/5 * * * *", "*/5 * * * *"],
  ["  0 9 * * 1-5 ", "0 9 * * 1-5"],
])("shorthand %p is %p", (input, out) => {
  expect(normaliseCronShorthand(input)).toBe(out);
});
