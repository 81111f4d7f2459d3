/** The sweep that enforces connection and request limits (the limits themselves: timeouts.test.ts). */
import { expect, test } from "bun:test";
import { Connections, MAX_SWEEP_MS } from "../../src/http/connections.ts";

test("deadlines are checked every quarter of the shortest limit, at most every 250ms", () => {
  expect(new Connections({ headersMs: 5_000, idleMs: 60_000 }, 30_000).sweepMs).toBe(MAX_SWEEP_MS);
  expect(MAX_SWEEP_MS).toBe(250);
  expect(new Connections({ headersMs: 300, idleMs: 600 }, 400).sweepMs).toBe(75);
  expect(new Connections({ headersMs: 5_000, idleMs: 60_000 }, 1_500).sweepMs).toBe(250);
  expect(new Connections({ headersMs: 5_000, idleMs: 60_000 }, 1).sweepMs).toBe(10);
});
