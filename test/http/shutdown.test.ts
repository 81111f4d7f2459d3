import { afterAll, beforeAll, expect, test } from "bun:test";
import { connect } from "node:net";
import { freezeNats } from "../helpers/freeze.ts";
import { type ApiEnv, startApi } from "../helpers/http.ts";
import { validateResponse } from "../helpers/openapi.ts";
import { rawHttp } from "../helpers/rawhttp.ts";

let api: ApiEnv;
beforeAll(async () => {
  api = await startApi({ server: { writeTimeoutMs: 5_000 } });
});
afterAll(() => api.close());

function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, "127.0.0.1");
    s.on("connect", () => {
      s.destroy();
      resolve(false);
    });
    s.on("error", () => resolve(true));
  });
}

test("close: stops accepting, closes idle connections, lets in-flight requests finish", async () => {
  const port = api.server.port;
  const idle = rawHttp(port, ["GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"], { waitMs: 5_000 });
  await Bun.sleep(100);
  const thaw = freezeNats(api.nats.port);
  const inFlight = api.call("GET", "/v1/queues");
  await Bun.sleep(200);
  const t0 = Date.now();
  const closing = api.server.close();
  // Stops accepting promptly: polled for, with a deadline, rather than checked once after 50 ms.
  let stopped = await refused(port);
  for (const deadline = Date.now() + 1_000; !stopped && Date.now() < deadline; ) {
    await Bun.sleep(10);
    stopped = await refused(port);
  }
  expect(stopped).toBe(true);
  const idleResult = await idle;
  expect(idleResult.status).toBe(200);
  validateResponse({
    method: "GET",
    path: "/healthz",
    status: 200,
    contentType: idleResult.headers["content-type"],
    body: idleResult.body,
  });
  expect(idleResult.closedByServer).toBe(true);
  expect(idleResult.elapsedMs).toBeLessThan(1_500);
  setTimeout(thaw, 300);
  const r = await inFlight;
  expect(r.status).toBe(200);
  expect(r.headers.get("connection")).toBe("close");
  await closing;
  expect(Date.now() - t0).toBeLessThan(3_000);
});
