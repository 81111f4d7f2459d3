/** The heap check of a busy server (src/http/heap.ts): it collects, and stops when told. */

import { heapSize } from "bun:jsc";
import { expect, test } from "bun:test";
import { keepHeapSmall } from "../../src/http/heap.ts";

test("garbage past the step is collected without waiting for the runtime, and stop ends the check", async () => {
  const step = 4 * 1024 * 1024;
  const stop = keepHeapSmall(step, 5);
  let keep = 0;
  for (let round = 0; round < 20; round++) {
    // About 4 MB of short-lived objects per round, a turn of the event loop between rounds.
    for (let i = 0; i < 40_000; i++) keep += JSON.stringify({ i, s: `x${i}` }).length;
    await Bun.sleep(10);
  }
  stop();
  expect(keep).toBeGreaterThan(0);
  // Far below the ~80 MB allocated: collected as it went.
  expect(heapSize()).toBeLessThan(64 * 1024 * 1024);
});
