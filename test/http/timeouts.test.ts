import { afterAll, beforeAll, expect, test } from "bun:test";
import { type ApiEnv, startApi } from "../helpers/http.ts";
import { rawHttp } from "../helpers/rawhttp.ts";

let api: ApiEnv;
beforeAll(async () => {
  api = await startApi({ server: { headersTimeoutMs: 300, readTimeoutMs: 400, idleTimeoutMs: 600 } });
});
afterAll(() => api.close());

test("a connection that sends no request head in time is closed", async () => {
  const r = await rawHttp(api.server.port, ["GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n"], {
    waitMs: 3_000,
  });
  expect(r.closedByServer).toBe(true);
  expect(r.status).toBeUndefined();
  expect(r.elapsedMs).toBeLessThan(1_500);
});

test("headers dribbled byte by byte are cut off too", async () => {
  const head = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n\r\n";
  const steps = [...head].flatMap((c) => [c, { sleep: 50 }]);
  const r = await rawHttp(api.server.port, steps, { waitMs: 4_000 });
  expect(r.closedByServer).toBe(true);
  expect(r.status).toBeUndefined();
  expect(r.elapsedMs).toBeLessThan(1_500);
});

test("a body that stalls is cut off at the read timeout", async () => {
  const r = await rawHttp(
    api.server.port,
    [
      "POST /v1/tasks HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 50\r\n\r\n",
      '{"type":',
    ],
    { waitMs: 3_000 },
  );
  expect(r.closedByServer).toBe(true);
  expect(r.status).toBeUndefined();
  expect(r.elapsedMs).toBeLessThan(1_500);
});

test("a kept-alive connection is closed after the idle timeout, not before", async () => {
  const r = await rawHttp(
    api.server.port,
    [
      "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
      { sleep: 200 },
      "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
    ],
    {
      waitMs: 4_000,
    },
  );
  expect(r.status).toBe(200);
  expect(r.raw.match(/HTTP\/1.1 200/g)).toHaveLength(2);
  expect(r.closedByServer).toBe(true);
  expect(r.elapsedMs).toBeGreaterThanOrEqual(700);
  expect(r.elapsedMs).toBeLessThan(2_500);
});

test("a slow client does not hold up others", async () => {
  const slow = rawHttp(api.server.port, ["GET /healthz HTTP/1.1\r\n"], { waitMs: 3_000 });
  const t0 = Date.now();
  const r = await api.call("GET", "/healthz");
  expect(r.status).toBe(200);
  expect(Date.now() - t0).toBeLessThan(200);
  await slow;
});
