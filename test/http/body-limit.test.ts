import { afterAll, beforeAll, expect, test } from "bun:test";
import { DISCARD_MAX_MS } from "../../src/http/body.ts";
import { type ApiEnv, expectError, startApi } from "../helpers/http.ts";
import { validateResponse } from "../helpers/openapi.ts";
import { type RawResult, type RawStep, rawHttp } from "../helpers/rawhttp.ts";

const MAX = 1024;
let api: ApiEnv;
beforeAll(async () => {
  api = await startApi({ server: { maxBodyBytes: MAX } });
});
afterAll(() => api.close());

/** A POST head; its body is declared JSON (a body of another type is refused before its size matters). */
const head = (path: string, headers: string) =>
  `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n${headers}\r\n`;
const chunk = (s: string) => `${s.length.toString(16)}\r\n${s}\r\n`;

function expect413(r: RawResult, path: string) {
  expect(r.status).toBe(413);
  const body = JSON.parse(r.body);
  validateResponse({ method: "POST", path, status: 413, contentType: r.headers["content-type"], body });
  expect(body.error).toMatchObject({ code: "payload_too_large", details: { reason: "payload_too_large" } });
  expect(r.responseMs).toBeLessThan(1_000);
}

test("a Content-Length over the limit is answered before the body is sent", async () => {
  const r = await rawHttp(api.server.port, [head("/v1/tasks", "Content-Length: 100000000\r\n")], {
    waitMs: 5_000,
  });
  expect413(r, "/v1/tasks");
  // The body never comes: the connection is closed once the discard window is over.
  expect(r.closedByServer).toBe(true);
  expect(r.elapsedMs).toBeGreaterThanOrEqual(DISCARD_MAX_MS - 100);
  expect(r.elapsedMs).toBeLessThan(DISCARD_MAX_MS + 1_500);
});

test("a chunked body is answered at the limit; one that goes on is cut off", async () => {
  const piece = chunk("x".repeat(256));
  const steps: RawStep[] = [head("/v1/tasks", "Transfer-Encoding: chunked\r\n")];
  for (let i = 0; i < 2_000; i++) steps.push(piece, { sleep: 2 });
  const r = await rawHttp(api.server.port, steps, { waitMs: 8_000 });
  expect413(r, "/v1/tasks");
  expect(r.closedByServer).toBe(true);
  expect(r.elapsedMs).toBeLessThan(DISCARD_MAX_MS + 1_500);
});

test("a body sent in full after the answer is dropped, and the connection stays usable", async () => {
  const big = "x".repeat(MAX + 1);
  const next = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  const r = await rawHttp(
    api.server.port,
    [head("/v1/queues/EMAIL/purge", `Content-Length: ${big.length}\r\n`), big, { sleep: 100 }, next],
    {
      waitMs: 1_000,
    },
  );
  expect413(r, "/v1/queues/EMAIL/purge");
  expect(r.raw).toContain("HTTP/1.1 200");
  expect(r.closedByServer).toBe(false);
  const viaFetch = await api.call("POST", "/v1/tasks/retry", { body: `{"ids":["${"a".repeat(MAX)}"]}` });
  expectError(viaFetch, 413, "payload_too_large");
});

test("a client that sends a large body before reading still gets the 413", async () => {
  const body = "x".repeat(3 * 1024 * 1024);
  const r = await rawHttp(api.server.port, [head("/v1/tasks", `Content-Length: ${body.length}\r\n`), body], {
    stopOnResponse: true,
  });
  expect413(r, "/v1/tasks");
});

test("bodies up to the limit are read, chunked or not, and keep the connection", async () => {
  const json = JSON.stringify({ type: "t", payload_base64: Buffer.alloc(600).toString("base64") });
  expect(json.length).toBeLessThanOrEqual(MAX);
  const fixed = await rawHttp(
    api.server.port,
    [head("/v1/tasks", `Content-Length: ${json.length}\r\n`), json],
    { stopOnResponse: true },
  );
  expect(fixed.status).toBe(201);
  expect(fixed.closedByServer).toBe(false);
  const chunked = await rawHttp(
    api.server.port,
    [
      head("/v1/tasks", "Transfer-Encoding: chunked\r\n"),
      chunk(json.slice(0, 100)),
      { sleep: 20 },
      chunk(json.slice(100)),
      "0\r\n\r\n",
    ],
    { stopOnResponse: true },
  );
  expect(chunked.closedByServer).toBe(false);
  expect(chunked.status).toBe(201);
  validateResponse({
    method: "POST",
    path: "/v1/tasks",
    status: 201,
    contentType: chunked.headers["content-type"],
    body: chunked.body,
  });
});

test("an unknown path with a body answers 404; the body is dropped, the connection kept", async () => {
  const r = await rawHttp(api.server.port, [head("/v1/nope", "Content-Length: 5\r\n"), "hello"], {
    waitMs: 500,
  });
  expect(r.status).toBe(404);
  expect(r.closedByServer).toBe(false);
  validateResponse({
    method: "POST",
    path: "/v1/nope",
    status: 404,
    contentType: r.headers["content-type"],
    body: r.body,
  });
});

test("requests the HTTP parser refuses get the envelope and a closed connection", async () => {
  const garbage = await rawHttp(api.server.port, ["GARBAGE\r\n\r\n"]);
  expect(garbage.status).toBe(400);
  expect(JSON.parse(garbage.body).error).toMatchObject({ code: "invalid_argument" });
  expect(garbage.closedByServer).toBe(true);
  const huge = await rawHttp(api.server.port, [
    `GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ${"a".repeat(100_000)}\r\n\r\n`,
  ]);
  expect(huge.status).toBe(431);
  expect(JSON.parse(huge.body).error).toMatchObject({
    code: "invalid_argument",
    message: "request head too large",
  });
  expect(huge.closedByServer).toBe(true);
  expect((await api.call("GET", "/healthz")).status).toBe(200);
});
