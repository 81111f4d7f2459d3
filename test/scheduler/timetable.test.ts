/** The pure timetable: when schedules fire, given "now", and the tasks a firing makes. */
import { describe, expect, test } from "bun:test";
import type { Schedule } from "../../src/core/schedule.ts";
import { firingTaskOptions, Timetable } from "../../src/scheduler/timetable.ts";

const at = (iso: string) => Date.parse(iso);

function schedule(cron: string, extra: Partial<Schedule> = {}): Schedule {
  return {
    name: "s1",
    schedule: cron,
    queue: "Q",
    task_type: "email:new",
    payload: null,
    max_tries: 0,
    created_at: "2024-01-01T00:00:00Z",
    ...extra,
  };
}

describe("Timetable", () => {
  test("@every 1s fires on whole seconds and does not catch up missed firings", () => {
    const t = new Timetable();
    t.put("s1", schedule("@every 1s"), 10_500);
    expect(t.nextAtMs()).toBe(11_000);
    expect(t.takeDue(10_999)).toEqual([]);
    const due = t.takeDue(11_000);
    expect(due.map((f) => [f.name, f.dueAtMs])).toEqual([["s1", 11_000]]);
    expect(t.nextAtMs()).toBe(12_000);
    // stalled for almost three periods: one firing, then back on the grid
    expect(t.takeDue(14_700).map((f) => f.dueAtMs)).toEqual([12_000]);
    expect(t.nextAtMs()).toBe(15_000);
  });

  test.each([
    ["CRON_TZ=UTC */5 * * * *", "2024-05-01T10:02:30Z", "2024-05-01T10:05:00Z"],
    ["TZ=UTC 0 9 * * 1", "2024-05-01T10:00:00Z", "2024-05-06T09:00:00Z"],
    ["CRON_TZ=America/New_York 0 9 * * *", "2024-05-01T10:00:00Z", "2024-05-01T13:00:00Z"],
    ["CRON_TZ=UTC @every 1h30m", "2024-05-01T10:00:00.250Z", "2024-05-01T11:30:00Z"],
  ])("%s after %s is %s", (cron, now, next) => {
    const t = new Timetable();
    t.put("s1", schedule(cron), at(now));
    expect(new Date(t.nextAtMs()!).toISOString()).toBe(new Date(at(next)).toISOString());
  });

  test("several schedules: the earliest wakes the loop, each fires on its own", () => {
    const t = new Timetable();
    t.put("a", schedule("@every 2s"), 0);
    t.put("b", schedule("@every 3s"), 0);
    expect(t.nextAtMs()).toBe(2_000);
    expect(t.takeDue(2_000).map((f) => f.name)).toEqual(["a"]);
    expect(t.nextAtMs()).toBe(3_000);
    expect(t.takeDue(4_000).map((f) => f.name)).toEqual(["a", "b"]);
    expect(t.names()).toEqual(["a", "b"]);
  });

  test("replacing takes the new expression and fields at once", () => {
    const t = new Timetable();
    t.put("s1", schedule("@every 1h"), 0);
    t.put("s1", schedule("@every 1s", { queue: "OTHER" }), 500);
    expect(t.size).toBe(1);
    expect(t.nextAtMs()).toBe(1_000);
    expect(t.takeDue(1_000)[0]!.schedule.queue).toBe("OTHER");
  });

  test("an invalid replacement throws schedule_invalid and leaves nothing under that name", () => {
    const t = new Timetable();
    t.put("s1", schedule("@every 1s"), 0);
    expect(() => t.put("s1", schedule("61 * * * *"), 0)).toThrow(
      expect.objectContaining({ reason: "schedule_invalid" }),
    );
    expect(() => t.put("s1", schedule("@every soon"), 0)).toThrow(/invalid duration/);
    expect(t.get("s1")).toBeUndefined();
    expect(t.nextAtMs()).toBeUndefined();
  });

  test("remove", () => {
    const t = new Timetable();
    t.put("s1", schedule("@daily"), 0);
    expect(t.remove("s1")).toBe(true);
    expect(t.remove("s1")).toBe(false);
    expect(t.takeDue(Number.MAX_SAFE_INTEGER)).toEqual([]);
  });
});

describe("firingTaskOptions", () => {
  const now = at("2024-05-01T10:00:00.123Z");
  test.each<[string, Partial<Schedule>, object]>([
    ["defaults: the task's own max tries, no deadline", {}, {}],
    ["max tries", { max_tries: 3 }, { maxTries: 3 }],
    ["deadline offset from now", { deadline: 60_000_000_000 }, { deadline: "2024-05-01T10:01:00.123Z" }],
    ["nanosecond offset kept", { deadline: 30_000_000_001 }, { deadline: "2024-05-01T10:00:30.123000001Z" }],
  ])("%s", (_name, extra, want) => {
    expect(firingTaskOptions(schedule("@daily", extra), now)).toEqual(want);
  });
});
