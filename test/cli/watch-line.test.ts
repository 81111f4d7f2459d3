/** `ajc task watch` prints each lifecycle event in the line format of the Go `ajc tasks watch`. */
import { expect, test } from "bun:test";
import { eventLine } from "../../src/cli/commands/task/watch.ts";
import type { LifecycleEvent } from "../../src/client.ts";

const at = "2026-01-02T03:04:05.123456789Z";
const event = (e: Record<string, unknown>) => e as unknown as LifecycleEvent;

test("task state changes, with and without an error", () => {
  const base = {
    type: "io.choria.asyncjobs.v1.task_state",
    timestamp: at,
    task_id: "T1",
    queue: "Q",
    task_type: "x",
    tries: 2,
  };
  expect(eventLine(event({ ...base, state: "complete" }))).toBe(
    "[03:04:05] T1: queue: Q type: x tries: 2 state: complete",
  );
  expect(eventLine(event({ ...base, state: "retry", last_error: "boom" }))).toBe(
    "[03:04:05] T1: queue: Q type: x tries: 2 state: retry error: boom",
  );
});

test("leader elections and unknown events read as Go prints them", () => {
  expect(
    eventLine(
      event({
        type: "io.choria.asyncjobs.v1.leader_elected",
        timestamp: at,
        name: "sched-1",
        component: "task_scheduler",
      }),
    ),
  ).toBe("[03:04:05] sched-1: new task_scheduler leader");
  expect(eventLine(event({ type: "io.example.other", timestamp: at }))).toMatch(
    /^\[\d\d:\d\d:\d\d\] Unknown event type io\.example\.other$/,
  );
});
