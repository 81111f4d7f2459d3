import { afterAll, beforeAll, expect, test } from "bun:test";
import { freezeNats } from "../helpers/freeze.ts";
import { type ApiEnv, expectError, startApi } from "../helpers/http.ts";

let api: ApiEnv;
let taskId: string;
beforeAll(async () => {
  api = await startApi({ server: { writeTimeoutMs: 1_500 } });
  taskId = (await api.call("POST", "/v1/tasks", { json: { type: "t" } })).body.id;
});
afterAll(() => api.close());

async function until(what: string, ok: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(50);
  }
}

test("NATS down: storage endpoints answer 503 at once, probes tell, then everything recovers", async () => {
  await api.nats.stop();
  await until("the client to notice", async () => !api.client.connected, 5_000);
  const calls: [string, string, unknown?][] = [
    ["GET", `/v1/tasks/${taskId}`],
    ["DELETE", `/v1/tasks/${taskId}`],
    ["POST", `/v1/tasks/${taskId}/retry`],
    ["POST", "/v1/tasks", { type: "t" }],
    ["GET", "/v1/tasks"],
    ["GET", "/v1/tasks?stream=ndjson"],
    ["POST", "/v1/tasks/retry", { ids: [taskId] }],
    ["GET", "/v1/queues"],
    ["POST", "/v1/queues", { name: "Q2" }],
    ["GET", "/v1/queues/EMAIL"],
    ["DELETE", "/v1/queues/EMAIL"],
    ["POST", "/v1/queues/EMAIL/purge"],
    ["GET", "/v1/schedules"],
    ["POST", "/v1/schedules", { name: "s", schedule: "@daily", queue: "EMAIL", task_type: "t" }],
    ["GET", "/v1/schedules/s"],
    ["DELETE", "/v1/schedules/s"],
  ];
  for (const [method, path, json] of calls) {
    const t0 = Date.now();
    const r = await api.call(method, path, { json });
    expect([method, path, r.status]).toEqual([method, path, 503]);
    expectError(r, 503, "storage_not_ready");
    expect(Date.now() - t0).toBeLessThan(500);
  }
  const keyed = await api.call("POST", "/v1/tasks", {
    json: { type: "t" },
    headers: { "Idempotency-Key": "k1" },
  });
  expectError(keyed, 503, "storage_not_ready");

  const ready = await api.call("GET", "/readyz");
  expect(ready.status).toBe(503);
  expect(ready.body).toMatchObject({ ready: false, checks: { tasks: { ok: false }, config: { ok: false } } });
  // The Go server's fixed words, nothing of the cause.
  expect(ready.body.checks.tasks.error).toBe("tasks storage unreachable");
  expect(ready.body.checks.config.error).toBe("configuration storage unreachable");
  const info = await api.call("GET", "/v1/info");
  expect(info.status).toBe(200);
  expect(info.body).toEqual({ version: expect.any(String), auth: "none" });
  expect((await api.call("GET", "/healthz")).status).toBe(200);
  expect((await api.call("GET", "/v1/retry-policies")).status).toBe(200);

  await api.nats.start();
  await until("readiness", async () => (await api.call("GET", "/readyz")).status === 200);
  expect((await api.call("GET", `/v1/tasks/${taskId}`)).status).toBe(200);
  expect((await api.call("POST", "/v1/tasks", { json: { type: "t" } })).status).toBe(201);
  const again = await api.call("GET", "/v1/info");
  expect(again.body.task_count).toBe(2);
});

test("a NATS server that hangs: requests end at the write timeout, never hang", async () => {
  const thaw = freezeNats(api.nats.port);
  try {
    const t0 = Date.now();
    const r = await api.call("GET", "/v1/queues");
    expectError(r, 504, "storage_timeout");
    expect(r.body.error.message).toContain("the outcome is unknown");
    const elapsed = Date.now() - t0;
    expect(elapsed).toBeGreaterThanOrEqual(1_400);
    expect(elapsed).toBeLessThan(3_000);
  } finally {
    thaw();
  }
  await until("readiness", async () => (await api.call("GET", "/readyz")).status === 200);
});

test("a create cut off at the write timeout says the outcome is unknown; the same key then finds the one task", async () => {
  const key = `timeout-${Date.now()}`;
  const body = { type: "timeout:probe" };
  const thaw = freezeNats(api.nats.port);
  // biome-ignore lint/suspicious/noExplicitAny: the body is read freely, as in the other tests
  let first: Awaited<ReturnType<ApiEnv["call"]>> & { body: any };
  try {
    first = await api.call("POST", "/v1/tasks", { json: body, headers: { "Idempotency-Key": key } });
  } finally {
    thaw();
  }
  // Not 503: the server stopped waiting, but the create it started may still complete.
  expectError(first, 504, "storage_timeout");
  expect(first.headers.get("connection")).toBe("close");
  expect(first.body.error.message).toContain("retry with the same Idempotency-Key");
  let again = await api.call("POST", "/v1/tasks", { json: body, headers: { "Idempotency-Key": key } });
  await until("the retry to be answered", async () => {
    again = await api.call("POST", "/v1/tasks", { json: body, headers: { "Idempotency-Key": key } });
    return again.status === 200 || again.status === 201;
  });
  const ids: string[] = [];
  for await (const t of api.client.listTasks()) if (t.type === "timeout:probe") ids.push(t.id);
  expect(ids).toEqual([again.body.id]);
});
