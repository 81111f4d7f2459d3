import { expect, test } from "bun:test";
import { decodeSchedule, encodeSchedule, type Schedule, validateSchedule } from "../../src/core/schedule.ts";

const s: Schedule = {
  name: "nightly",
  schedule: "@daily",
  queue: "REPORTS",
  task_type: "report:run",
  payload: "eyJ4IjoxfQ==",
  deadline: 3_600_000_000_000,
  max_tries: 10,
  created_at: "2024-04-14T10:00:00.123456789Z",
};

test("encoded with Go's keys in Go's order; deadline in int64 ns", () => {
  expect(encodeSchedule(s)).toBe(
    '{"name":"nightly","schedule":"@daily","queue":"REPORTS","task_type":"report:run","payload":"eyJ4IjoxfQ==",' +
      '"deadline":3600000000000,"max_tries":10,"created_at":"2024-04-14T10:00:00.123456789Z"}',
  );
});

test("no deadline is omitted, no payload is null", () => {
  const o = JSON.parse(encodeSchedule({ ...s, deadline: 0, payload: null }));
  expect(Object.keys(o)).toEqual([
    "name",
    "schedule",
    "queue",
    "task_type",
    "payload",
    "max_tries",
    "created_at",
  ]);
  expect(o.payload).toBeNull();
});

test("a Go-written schedule decodes", () => {
  const go =
    '{"name":"every5","schedule":"@every 5m","queue":"DEFAULT","task_type":"ping","payload":null,"max_tries":0,"created_at":"2022-02-07T10:16:42.123456789Z"}';
  expect(decodeSchedule(go)).toEqual({
    name: "every5",
    schedule: "@every 5m",
    queue: "DEFAULT",
    task_type: "ping",
    payload: null,
    max_tries: 0,
    created_at: "2022-02-07T10:16:42.123456789Z",
  });
  expect(decodeSchedule(encodeSchedule(s))).toEqual(s);
});

test.each([
  [{ name: "" }, "name"],
  [{ name: "a.b" }, "name"],
  [{ schedule: "" }, "schedule"],
  [{ task_type: "a b" }, "task_type"],
  [{ queue: "" }, "queue"],
  [{ deadline: 29_000_000_000 }, "deadline_offset"],
])("%p is schedule_invalid on %s", (change, field) => {
  expect(() => validateSchedule({ ...s, ...change })).toThrow(
    expect.objectContaining({ reason: "schedule_invalid", field }),
  );
});

test("a deadline of exactly 30s is allowed", () => {
  validateSchedule({ ...s, deadline: 30_000_000_000 });
});

test("invalid JSON is schedule_invalid", () => {
  expect(() => decodeSchedule("{")).toThrow(expect.objectContaining({ reason: "schedule_invalid" }));
});
