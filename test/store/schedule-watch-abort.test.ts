/**
 * A schedule watch aborted while it is being set up ends instead of running on: the scheduler
 * aborted right after start (`ajc dev` stopped at once) hung on exactly that.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { startTestEnv, type TestEnv } from "../helpers/client.ts";

let t: TestEnv;
beforeAll(async () => {
  t = await startTestEnv();
});
afterAll(() => t.close());

test("aborting before the watch is set up ends the iteration", async () => {
  const ac = new AbortController();
  const changes = t.client.watchSchedules(ac.signal)[Symbol.asyncIterator]();
  const next = changes.next();
  // The abort lands while the watch's consumer is still being created.
  ac.abort();
  const r = await Promise.race([next, Bun.sleep(5_000).then(() => "still running" as const)]);
  expect(r).toEqual({ done: true, value: undefined });
});
