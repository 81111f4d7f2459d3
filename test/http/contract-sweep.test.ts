/**
 * One pass over every operation of api/openapi.yaml against the real server, each answer checked
 * against the contract (status documented, body and headers as described, envelope consistent with
 * src/core/errors.ts). The per-endpoint behaviour is tested in the route tests; this file keeps the
 * document and the server from drifting apart on any operation.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { createLogger } from "../../src/core/log.ts";
import { type ApiServer, startServer } from "../../src/http/server.ts";
import { startTestEnv, type TestEnv } from "../helpers/client.ts";
import { freePort } from "../helpers/nats.ts";
import { checkedFetch, documentedResponses, validatedResponses } from "../helpers/openapi.ts";

let env: TestEnv;
let server: ApiServer;
let base: string;

beforeAll(async () => {
  env = await startTestEnv();
  await env.client.createQueue({ name: "Q" });
  const port = await freePort();
  server = await startServer(
    env.client,
    { queue: "Q", bind: `127.0.0.1:${port}`, maxBodyBytes: 2048 },
    createLogger({ write: () => {} }),
  );
  base = `http://${server.address}`;
});

afterAll(async () => {
  await server?.close();
  await env?.close();
});

type Call = [
  method: string,
  path: string,
  status: number,
  reason?: string,
  body?: unknown,
  headers?: Record<string, string>,
];

async function call([method, path, status, reason, body, headers]: Call): Promise<void> {
  const init: RequestInit = { method, headers: { ...headers } };
  if (body !== undefined) {
    init.body = typeof body === "string" ? body : JSON.stringify(body);
    (init.headers as Record<string, string>)["content-type"] = "application/json";
  }
  const res = await checkedFetch<{ error?: { details: { reason: string } } }>(base + path, init);
  expect({ call: `${method} ${path}`, status: res.status, reason: res.body?.error?.details.reason }).toEqual({
    call: `${method} ${path}`,
    status,
    reason,
  });
}

const key = (k: string) => ({ "Idempotency-Key": `${k}-${Date.now()}` });

test("meta, tasks, queues, schedules, unknown paths and methods", async () => {
  const idem = key("sweep");
  const calls: Call[] = [
    ["GET", "/healthz", 200],
    ["GET", "/readyz", 200],
    ["GET", "/v1/openapi.json", 200],
    ["GET", "/v1/info", 200],
    ["HEAD", "/v1/info", 200],
    ["GET", "/v1/retry-policies", 200],
    ["POST", "/v1/tasks", 201, undefined, { type: "a", payload: { x: 1 } }],
    ["POST", "/v1/tasks", 201, undefined, { type: "a" }, idem],
    ["POST", "/v1/tasks", 200, undefined, { type: "a" }, idem],
    ["POST", "/v1/tasks", 409, "idempotency_key_reused", { type: "b" }, idem],
    [
      "POST",
      "/v1/tasks",
      400,
      "idempotency_key_invalid",
      { type: "a" },
      { "Idempotency-Key": "x".repeat(129) },
    ],
    ["POST", "/v1/tasks", 404, "queue_not_found", { type: "a", queue: "NOPE" }],
    [
      "POST",
      "/v1/tasks",
      201,
      undefined,
      {
        type: "a",
        id: "sweep-1",
        created: "2024-01-01T00:00:00Z",
        deadline: "2099-01-01T00:00:00Z",
        dependencies: ["sweep-0"],
        load_dependencies: true,
        max_tries: 2,
        payload_base64: "AAEC",
      },
    ],
    ["POST", "/v1/tasks", 409, "task_already_exists", { type: "a", id: "sweep-1" }],
    ["POST", "/v1/tasks", 400, "payload_both_set", { type: "a", payload: 1, payload_base64: "AA==" }],
    ["POST", "/v1/tasks", 400, "invalid_json", { type: "a", nope: 1 }],
    ["POST", "/v1/tasks", 400, "invalid_json", "{"],
    ["POST", "/v1/tasks", 400, "task_type_invalid", { type: "bad type" }],
    ["POST", "/v1/tasks", 413, "payload_too_large", { type: "a", payload: "x".repeat(4096) }],
    ["GET", "/v1/tasks", 200],
    ["GET", "/v1/tasks?stream=ndjson", 200],
    ["GET", "/v1/tasks?state=blocked&state=completed&limit=5000&queue=Q&type=a", 200],
    ["GET", "/v1/tasks?created_since=2020-01-01T00:00:00Z", 200],
    ["GET", "/v1/tasks?limit=0", 400, "limit_invalid"],
    ["GET", "/v1/tasks?state=bogus", 400, "invalid_argument"],
    ["GET", "/v1/tasks/sweep-1", 200],
    ["GET", "/v1/tasks/nope", 404, "task_not_found"],
    ["GET", "/v1/tasks/bad%20id", 400, "task_id_invalid"],
    ["POST", "/v1/tasks/sweep-1/retry", 200],
    ["POST", "/v1/tasks/nope/retry", 404, "task_not_found"],
    ["POST", "/v1/tasks/retry", 200, undefined, { ids: ["sweep-1", "nope"] }],
    ["POST", "/v1/tasks/retry", 400, "ids_required", { ids: [] }],
    ["POST", "/v1/tasks/retry", 400, "ids_too_many", { ids: Array.from({ length: 101 }, (_, i) => `t${i}`) }],
    ["DELETE", "/v1/tasks/sweep-1", 204],
    ["DELETE", "/v1/tasks/sweep-1", 404, "task_not_found"],
    ["DELETE", "/v1/tasks/bad%20id", 400, "task_id_invalid"],
    [
      "POST",
      "/v1/queues",
      201,
      undefined,
      {
        name: "R",
        max_age: "1h",
        max_runtime: "5m",
        max_entries: 10,
        discard_old: true,
        max_tries: 3,
        max_concurrent: 2,
      },
    ],
    ["POST", "/v1/queues", 409, "queue_already_exists", { name: "R" }],
    ["POST", "/v1/queues", 400, "default_queue_disallowed", { name: "DEFAULT" }],
    ["POST", "/v1/queues", 400, "invalid_duration", { name: "S", max_age: "1x" }],
    ["GET", "/v1/queues", 200],
    ["GET", "/v1/queues/R", 200],
    ["GET", "/v1/queues/NOPE", 404, "queue_not_found"],
    ["POST", "/v1/queues/R/purge", 202],
    ["POST", "/v1/queues/NOPE/purge", 404, "queue_not_found"],
    ["DELETE", "/v1/queues/R", 204],
    ["DELETE", "/v1/queues/R", 404, "queue_not_found"],
    [
      "POST",
      "/v1/schedules",
      201,
      undefined,
      {
        name: "s1",
        schedule: "@every 1h",
        queue: "Q",
        task_type: "a",
        payload: { y: 2 },
        deadline_offset: "1m",
        max_tries: 2,
      },
    ],
    [
      "POST",
      "/v1/schedules",
      409,
      "schedule_already_exists",
      { name: "s1", schedule: "@daily", queue: "Q", task_type: "a" },
    ],
    [
      "POST",
      "/v1/schedules",
      400,
      "schedule_invalid",
      { name: "s2", schedule: "bogus", queue: "Q", task_type: "a" },
    ],
    ["GET", "/v1/schedules", 200],
    ["GET", "/v1/schedules/s1", 200],
    ["GET", "/v1/schedules/nope", 404, "schedule_not_found"],
    ["PUT", "/v1/schedules/s1", 200, undefined, { schedule: "@every 2h", queue: "Q", task_type: "a" }],
    [
      "PUT",
      "/v1/schedules/s1",
      400,
      "invalid_json",
      { name: "s9", schedule: "@daily", queue: "Q", task_type: "a" },
    ],
    [
      "PUT",
      "/v1/schedules/nope",
      404,
      "schedule_not_found",
      { schedule: "@daily", queue: "Q", task_type: "a" },
    ],
    ["POST", "/v1/schedules/s1/pause", 200],
    ["GET", "/v1/schedules/s1", 200],
    ["POST", "/v1/schedules/nope/pause", 404, "schedule_not_found"],
    ["POST", "/v1/schedules/s1/trigger", 201],
    ["POST", "/v1/schedules/nope/trigger", 404, "schedule_not_found"],
    ["POST", "/v1/schedules/s1/resume", 200],
    ["POST", "/v1/schedules/nope/resume", 404, "schedule_not_found"],
    ["POST", "/v1/schedules/bad%20name/resume", 400, "schedule_invalid"],
    ["DELETE", "/v1/schedules/s1", 204],
    ["DELETE", "/v1/schedules/s1", 404, "schedule_not_found"],
    ["GET", "/v1/events?kind=nope", 400, "invalid_argument"],
    ["GET", "/nope", 404, "not_found"],
    ["PUT", "/v1/tasks", 405, "method_not_allowed"],
    ["DELETE", "/v1/queues", 405, "method_not_allowed"],
    ["GET", "/v1/tasks/retry", 404, "task_not_found"],
  ];
  for (const c of calls) await call(c);
});

test("concurrent listings: the ones turned away get 429 with Retry-After", async () => {
  // Timing decides which calls overlap, so try a few rounds; every answer is checked either way.
  const seen = new Set<number>();
  for (let round = 0; round < 20 && !seen.has(429); round++) {
    const results = await Promise.all(
      [1, 2, 3, 4, 5].map((i) => checkedFetch(`${base}/v1/tasks${i % 2 ? "?stream=ndjson" : ""}`)),
    );
    for (const r of results) seen.add(r.status);
  }
  expect([...seen].sort()).toEqual([200, 429]);
});

test("with NATS down: storage operations 503, /readyz 503, /v1/info without counts", async () => {
  await env.nats.stop();
  try {
    for (const c of [
      ["GET", "/v1/tasks", 503, "storage_not_ready"],
      ["GET", "/v1/tasks/x", 503, "storage_not_ready"],
      ["POST", "/v1/tasks", 503, "storage_not_ready", { type: "a" }],
      ["GET", "/v1/queues", 503, "storage_not_ready"],
      ["GET", "/v1/schedules", 503, "storage_not_ready"],
      ["GET", "/readyz", 503],
    ] satisfies Call[]) {
      await call(c);
    }
    const info = await checkedFetch<Record<string, unknown>>(`${base}/v1/info`);
    expect(Object.keys(info.body).sort()).toEqual(["auth", "version"]);
  } finally {
    await env.nats.start();
  }
});

test("every operation of the document was exercised", () => {
  const operations = new Set(documentedResponses().map((r) => r.split(" ")[0]!));
  const exercised = new Set([...validatedResponses].map((r) => r.split(" ")[0]!));
  expect([...operations].filter((op) => !exercised.has(op))).toEqual([]);
});
