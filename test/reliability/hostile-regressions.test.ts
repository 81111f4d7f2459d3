/**
 * The bugs the fuzzer and the hostile tests found, each pinned by a deterministic case so a
 * regression does not wait for a lucky seed.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { MAX_NAME_LENGTH } from "../../src/core/names.ts";
import { makeCerts, type TestCerts } from "../helpers/certs.ts";
import { answerProblem, rawRequest } from "../helpers/hostile.ts";
import { type ApiEnv, expectError, startApi } from "../helpers/http.ts";

let api: ApiEnv;
let secure: ApiEnv;
let certs: TestCerts;
beforeAll(async () => {
  api = await startApi({ server: { maxBodyBytes: 1024 * 1024, writeTimeoutMs: 5_000 } });
  certs = makeCerts();
  secure = await startApi({
    nats: api.nats,
    server: { tls: { cert: certs.server.cert, key: certs.server.key, clientCa: certs.ca } },
  });
});
afterAll(async () => {
  await secure?.close();
  await api?.close();
  certs?.remove();
});

test("names longer than 200 characters are refused at once (they hung until the write timeout and cost the NATS connection)", async () => {
  const long = "a".repeat(MAX_NAME_LENGTH + 1);
  const huge = "a".repeat(5_000);
  const t0 = performance.now();
  expectError(
    await api.call("POST", "/v1/tasks", { json: { type: "t", id: huge } }),
    400,
    "task_id_invalid",
    "id",
  );
  expectError(
    await api.call("POST", "/v1/tasks", { json: { type: "t", id: long } }),
    400,
    "task_id_invalid",
    "id",
  );
  expectError(
    await api.call("POST", "/v1/queues", { json: { name: huge } }),
    400,
    "queue_name_invalid",
    "name",
  );
  expectError(await api.call("GET", `/v1/queues/${huge}`), 400, "queue_name_invalid");
  expectError(await api.call("POST", `/v1/queues/${huge}/purge`), 400, "queue_name_invalid");
  expectError(
    await api.call("POST", "/v1/schedules", {
      json: { name: huge, schedule: "@every 1h", queue: "EMAIL", task_type: "t" },
    }),
    400,
    "schedule_invalid",
  );
  expectError(
    await api.call("POST", "/v1/tasks", { json: { type: "t", queue: huge } }),
    400,
    "queue_name_invalid",
  );
  expect(performance.now() - t0).toBeLessThan(2_000);
  const ok = await api.call("POST", "/v1/tasks", { json: { type: "t", id: "b".repeat(MAX_NAME_LENGTH) } });
  expect(ok.status).toBe(201);
  expect((await api.call("GET", "/readyz")).status).toBe(200);
});

test("JSON nested deeper than 1000 levels is invalid_json, with or without Idempotency-Key (it was a 500)", async () => {
  for (const depth of [1_001, 20_000, 100_000]) {
    const body = `{"type":"t","payload":${"[".repeat(depth)}${"]".repeat(depth)}}`;
    expectError(await api.call("POST", "/v1/tasks", { body }), 400, "invalid_json");
    expectError(
      await api.call("POST", "/v1/tasks", { body, headers: { "Idempotency-Key": `deep-${depth}` } }),
      400,
      "invalid_json",
    );
  }
  // The body object is one level: 999 more make the limit.
  const fine = `{"type":"t","payload":${"[".repeat(999)}${"]".repeat(999)}}`;
  expect(
    (await api.call("POST", "/v1/tasks", { body: fine, headers: { "Idempotency-Key": "deep-ok" } })).status,
  ).toBe(201);
  // Brackets inside strings do not count.
  const inString = JSON.stringify({ type: "t", payload: "[".repeat(5_000) });
  expect((await api.call("POST", "/v1/tasks", { body: inString })).status).toBe(201);
});

test("schedule names with ':' (a valid name, impossible as a KV key) are schedule_invalid, not a 500", async () => {
  const json = { name: "a:b", schedule: "@every 1h", queue: "EMAIL", task_type: "t" };
  expectError(await api.call("POST", "/v1/schedules", { json }), 400, "schedule_invalid", "name");
  expectError(await api.call("GET", "/v1/schedules/a:b"), 400, "schedule_invalid");
  expectError(await api.call("DELETE", "/v1/schedules/%3A"), 400, "schedule_invalid");
});

test("queue durations JetStream would refuse are a 400; the largest Go duration works (both were 500s)", async () => {
  expectError(
    await api.call("POST", "/v1/queues", { json: { name: "q-tiny", max_age: "1µs" } }),
    400,
    "invalid_duration",
    "max_age",
  );
  expectError(
    await api.call("POST", "/v1/queues", { json: { name: "q-tiny", max_age: "99ms" } }),
    400,
    "invalid_duration",
    "max_age",
  );
  expect((await api.call("POST", "/v1/queues", { json: { name: "q-100ms", max_age: "100ms" } })).status).toBe(
    201,
  );
  const max = await api.call("POST", "/v1/queues", {
    json: { name: "q-max", max_age: "2562047h47m16.854775807s" },
  });
  expect(max.status).toBe(201);
});

test("CONNECT gets the envelope (405 with Allow on a known path, 404 elsewhere); the runtime said nothing", async () => {
  for (const server of [api, secure]) {
    const tls =
      server === secure
        ? { ca: certs.read(certs.ca), cert: certs.read(certs.client.cert), key: certs.read(certs.client.key) }
        : undefined;
    const known = await rawRequest(
      server.server.port,
      "CONNECT /v1/tasks HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
      {
        tls,
      },
    );
    expect(known.status).toBe(405);
    expect(known.headers.allow).toBe("GET, HEAD, POST");
    expect(answerProblem("CONNECT", "/v1/tasks", known)).toBeUndefined();
    const unknown = await rawRequest(
      server.server.port,
      "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com\r\n\r\n",
      { tls },
    );
    expect(unknown.status).toBe(404);
  }
});

test("a body on GET or DELETE is not read, so it cannot make an undocumented 413", async () => {
  const big = "x".repeat(2 * 1024 * 1024);
  const a = await rawRequest(
    api.server.port,
    `GET /v1/queues HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: ${big.length}\r\n\r\n${big}`,
  );
  expect(a.status).toBe(200);
  expect(answerProblem("GET", "/v1/queues", a)).toBeUndefined();
});

test("over TLS, an HTTP/1.0 request with a malformed chunked body still gets its answer (it was dropped)", async () => {
  const tls = {
    ca: certs.read(certs.ca),
    cert: certs.read(certs.client.cert),
    key: certs.read(certs.client.key),
  };
  const a = await rawRequest(
    secure.server.port,
    "GET /healthz HTTP/1.0\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\nzz;ext\r\n{}\r\n0\r\n\r\n",
    { tls },
  );
  expect(a.status).toBe(200);
  const b = await rawRequest(
    secure.server.port,
    "POST /v1/tasks HTTP/1.0\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz;ext\r\n{}\r\n0\r\n\r\n",
    { tls },
  );
  expect(b.status).toBe(400);
  expect(answerProblem("POST", "/v1/tasks", b)).toBeUndefined();
});
