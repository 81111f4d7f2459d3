/** The deadline of one run (src/worker/context.ts Lease). */
import { expect, test } from "bun:test";
import { HandlerDeadlineError, Lease } from "../../src/worker/context.ts";

test("a run that outlives its deadline fails with HandlerDeadlineError and its signal aborts", async () => {
  const lease = new Lease(50, Date.now);
  const early = lease.signal;
  const run = lease.run(() => Bun.sleep(500).then(() => "late"));
  await expect(run).rejects.toBeInstanceOf(HandlerDeadlineError);
  expect(early.aborted).toBe(true);
  expect(early.reason).toBeInstanceOf(HandlerDeadlineError);
  // A signal first asked for after the deadline is aborted too.
  const lease2 = new Lease(10, Date.now);
  await Bun.sleep(40);
  expect(lease2.signal.aborted).toBe(true);
  lease.dispose();
  lease2.dispose();
});

test("a run that finishes in time resolves; rearm moves the deadline on", async () => {
  let now = 1_000;
  const lease = new Lease(80, () => now);
  expect(lease.deadline.getTime()).toBe(1_080);
  now = 1_050;
  lease.rearm();
  expect(lease.deadline.getTime()).toBe(1_130);
  expect(await lease.run(async () => "ok")).toBe("ok");
  await Bun.sleep(50);
  lease.rearm();
  // 50ms + 60ms: past the first deadline, not past the rearmed one.
  expect(await lease.run(() => Bun.sleep(60).then(() => "still ok"))).toBe("still ok");
  expect(lease.signal.aborted).toBe(false);
  lease.dispose();
});
