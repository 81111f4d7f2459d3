/** `ajc task watch` lines in the Go `ajc`'s format, so scripts reading either tool's output agree. */
import { expect, test } from "bun:test";
import { eventLine } from "../../src/cli/commands/task/watch.ts";
import type { LifecycleEvent } from "../../src/client.ts";

test("a leader election reads as the Go ajc prints it", () => {
  const e = {
    type: "io.choria.asyncjobs.v1.leader_elected",
    timestamp: "2026-01-05T09:30:12Z",
    name: "host-a",
    component: "task_scheduler",
  } as unknown as LifecycleEvent;
  expect(eventLine(e)).toBe("[09:30:12] host-a: new task_scheduler leader");
});

test("a task state change reads as the Go ajc prints it", () => {
  const e = {
    type: "io.choria.asyncjobs.v1.task_state",
    timestamp: "2026-01-05T09:30:12Z",
    task_id: "01KB",
    queue: "EMAIL",
    task_type: "email:new",
    tries: 1,
    state: "retry",
    last_error: "boom",
  } as unknown as LifecycleEvent;
  expect(eventLine(e)).toBe(
    "[09:30:12] 01KB: queue: EMAIL type: email:new tries: 1 state: retry error: boom",
  );
});
