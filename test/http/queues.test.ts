import { afterAll, beforeAll, expect, test } from "bun:test";
import { type ApiEnv, expectError, startApi } from "../helpers/http.ts";

let api: ApiEnv;
let permissive: Awaited<ReturnType<ApiEnv["another"]>>;
beforeAll(async () => {
  api = await startApi();
  permissive = await api.another({ allowCreateDefault: true });
});
afterAll(() => api.close());

test("create: durations in as Go strings, out as nanoseconds", async () => {
  const r = await api.call("POST", "/v1/queues", {
    json: {
      name: "BILLING",
      max_age: "1h30m",
      max_entries: 1000,
      discard_old: true,
      max_tries: 5,
      max_runtime: "90s",
      max_concurrent: 7,
    },
  });
  expect(r.status).toBe(201);
  expect(r.body).toMatchObject({
    name: "BILLING",
    max_age: 5_400_000_000_000,
    max_entries: 1000,
    discard_old: true,
    max_tries: 5,
    max_runtime: 90_000_000_000,
    max_concurrent: 7,
    entries: 0,
  });
  const defaults = await api.call("POST", "/v1/queues", { json: { name: "PLAIN" } });
  expect(defaults.body).toMatchObject({
    max_age: 0,
    max_entries: -1,
    discard_old: false,
    max_tries: -1,
    max_runtime: 3_600_000_000_000,
    max_concurrent: 100,
  });
});

test("create errors", async () => {
  const post = (json: unknown) => api.call("POST", "/v1/queues", { json });
  expectError(await post({ name: "BILLING" }), 409, "queue_already_exists", "name");
  expectError(await post({}), 400, "queue_name_required", "name");
  expectError(await post({ name: "" }), 400, "queue_name_required", "name");
  expectError(await post({ name: "a.b" }), 400, "queue_name_invalid", "name");
  expectError(await post({ name: "Q", max_age: "1 hour" }), 400, "invalid_duration", "max_age");
  expectError(await post({ name: "Q", max_runtime: "-5s" }), 400, "invalid_duration", "max_runtime");
  expectError(await post({ name: "Q", max_concurrent: -1 }), 400, "invalid_argument", "max_concurrent");
  expectError(await post({ name: "Q", retention: "1h" }), 400, "invalid_json", "retention");
  expectError(await post({ name: "Q", max_age: 3600 }), 400, "invalid_json", "max_age");
});

test("DEFAULT needs --allow-create-default", async () => {
  expectError(
    await api.call("POST", "/v1/queues", { json: { name: "DEFAULT" } }),
    400,
    "default_queue_disallowed",
    "name",
  );
  const ok = await permissive.call("POST", "/v1/queues", { json: { name: "DEFAULT" } });
  expect(ok.status).toBe(201);
});

test("list and get never return raw JetStream detail", async () => {
  const l = await api.call("GET", "/v1/queues");
  expect(l.status).toBe(200);
  expect(l.body.queues.map((q: { name: string }) => q.name)).toEqual([
    "BILLING",
    "DEFAULT",
    "EMAIL",
    "PLAIN",
  ]);
  const g = await api.call("GET", "/v1/queues/BILLING");
  expect(g.status).toBe(200);
  expect(Object.keys(g.body).sort()).toEqual([
    "bytes",
    "discard_old",
    "entries",
    "in_flight",
    "max_age",
    "max_concurrent",
    "max_entries",
    "max_runtime",
    "max_tries",
    "memory",
    "name",
    "replicas",
    "time",
  ]);
  expectError(await api.call("GET", "/v1/queues/NOPE"), 404, "queue_not_found");
  expectError(await api.call("GET", "/v1/queues/a.b"), 400, "queue_name_invalid");
});

test("purge is 202 without a body; delete is 204", async () => {
  await api.call("POST", "/v1/tasks", { json: { type: "t", queue: "PLAIN" } });
  expect((await api.client.queueInfo("PLAIN")).entries).toBe(1);
  const p = await api.call("POST", "/v1/queues/PLAIN/purge");
  expect(p.status).toBe(202);
  expect(p.text).toBe("");
  expect((await api.client.queueInfo("PLAIN")).entries).toBe(0);
  expect(await api.client.countTasks()).toBe(1);
  const d = await api.call("DELETE", "/v1/queues/PLAIN");
  expect(d.status).toBe(204);
  expect(d.text).toBe("");
  expectError(await api.call("DELETE", "/v1/queues/PLAIN"), 404, "queue_not_found");
  expectError(await api.call("POST", "/v1/queues/PLAIN/purge"), 404, "queue_not_found");
  expectError(await api.call("POST", "/v1/queues/a.b/purge"), 400, "queue_name_invalid");
});

test("accepts Go's values for unlimited and for the defaults, as the Go server does", async () => {
  // What a Go client sends, or copies from a queue's answer (which reports -1 for unlimited).
  const r = await api.call("POST", "/v1/queues", {
    json: {
      name: "GOSTYLE",
      max_tries: -1,
      max_entries: -1,
      max_concurrent: 0,
      max_runtime: "0s",
      max_age: "-1h",
    },
  });
  expect(r.status).toBe(201);
  expect(r.body).toMatchObject({
    max_tries: -1,
    max_entries: -1,
    max_concurrent: 100,
    max_runtime: 3_600_000_000_000,
    max_age: 0,
  });
  const zero = await api.call("POST", "/v1/queues", {
    json: { name: "GOZERO", max_tries: 0, max_entries: 0 },
  });
  expect(zero.body).toMatchObject({ max_tries: -1, max_entries: -1 });
  const negative = await api.call("POST", "/v1/queues", { json: { name: "GONEG", max_tries: -5 } });
  expect(negative.body).toMatchObject({ max_tries: -1 });
});
