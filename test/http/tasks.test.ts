import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { ulid } from "ulid";
import { type ApiEnv, expectError, startApi } from "../helpers/http.ts";
import { rawNats } from "../helpers/raw.ts";

let api: ApiEnv;
beforeAll(async () => {
  api = await startApi();
  await api.client.createQueue({ name: "OTHER" });
});
afterAll(() => api.close());

const b64 = (s: string) => Buffer.from(s).toString("base64");
const create = (json: unknown, headers?: Record<string, string>) =>
  api.call("POST", "/v1/tasks", { json, headers });

describe("POST /v1/tasks", () => {
  test("creates and enqueues into the server's queue", async () => {
    const r = await create({ type: "email:new", payload: { to: "user@example.com", n: [1, 2] } });
    expect(r.status).toBe(201);
    expect(r.headers.get("location")).toBe(`/v1/tasks/${r.body.id}`);
    expect(r.body).toMatchObject({
      type: "email:new",
      queue: "EMAIL",
      payload: b64('{"to":"user@example.com","n":[1,2]}'),
      max_tries: 10,
      state: "new",
      tries: 0,
    });
    const stored = await api.client.loadTask(r.body.id);
    expect(stored).toEqual(r.body);
    expect((await api.client.queueInfo("EMAIL")).entries).toBeGreaterThanOrEqual(1);
  });

  test("payload_base64 is stored as given; no payload is null", async () => {
    const a = await create({ type: "t", payload_base64: b64("\x00\x01binary") });
    expect(a.body.payload).toBe(b64("\x00\x01binary"));
    const none = await create({ type: "t" });
    expect(none.body.payload).toBeNull();
    const nul = await create({ type: "t", payload: null });
    expect(nul.body.payload).toBeNull();
    const str = await create({ type: "t", payload: "hi" });
    expect(str.body.payload).toBe(b64('"hi"'));
  });

  test("payload errors", async () => {
    expectError(
      await create({ type: "t", payload: 1, payload_base64: "AA==" }),
      400,
      "payload_both_set",
      "payload",
    );
    expectError(
      await create({ type: "t", payload_base64: "not base64!" }),
      400,
      // The Go server's reason: it decodes the base64 with the JSON.
      "invalid_json",
      "payload_base64",
    );
  });

  test("strict decoding", async () => {
    expectError(await create({}), 400, "task_type_invalid", "type");
    expectError(await create({ type: "a b" }), 400, "task_type_invalid", "type");
    expectError(await create({ type: "t", extra: true }), 400, "invalid_json", "extra");
    expectError(await create({ type: "t", max_tries: "3" }), 400, "invalid_json", "max_tries");
    expectError(await create({ type: "t", dependencies: "x" }), 400, "invalid_json", "dependencies");
    expectError(await api.call("POST", "/v1/tasks", { body: '{"type":' }), 400, "invalid_json");
    expectError(await api.call("POST", "/v1/tasks", { body: "[1]" }), 400, "invalid_json");
    expectError(await api.call("POST", "/v1/tasks"), 400, "invalid_json");
  });

  test("a request's queue is honoured and must exist", async () => {
    const before = (await api.client.queueInfo("OTHER")).entries;
    const r = await create({ type: "t", queue: "OTHER" });
    expect(r.status).toBe(201);
    expect(r.body.queue).toBe("OTHER");
    expect((await api.client.queueInfo("OTHER")).entries).toBe(before + 1);
    const count = await api.client.countTasks();
    expectError(await create({ type: "t", queue: "MISSING" }), 404, "queue_not_found", "queue");
    expectError(await create({ type: "t", queue: "a.b" }), 400, "queue_name_invalid", "queue");
    expect(await api.client.countTasks()).toBe(count);
  });

  test("deadline, max_tries, dependencies", async () => {
    const future = new Date(Date.now() + 3_600_000).toISOString();
    const r = await create({
      type: "t",
      deadline: future,
      max_tries: 3,
      dependencies: ["a", "b"],
      load_dependencies: true,
    });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({
      deadline: future,
      max_tries: 3,
      dependencies: ["a", "b"],
      load_dependencies: true,
      state: "blocked",
    });
    expectError(
      await create({ type: "t", deadline: "2001-01-01T00:00:00Z" }),
      409,
      "task_past_deadline",
      "deadline",
    );
    expectError(await create({ type: "t", deadline: "tomorrow" }), 400, "invalid_json", "deadline");
    // As the Go server: 0 or below is taken as given, and means no limit.
    const unlimited = await create({ type: "t", max_tries: -1 });
    expect([unlimited.status, unlimited.body.max_tries]).toEqual([201, -1]);
    expectError(
      await create({ type: "t", dependencies: ["bad id"] }),
      400,
      "task_id_invalid",
      "dependencies",
    );
  });

  test("a caller may fix id and created; a taken id is 409", async () => {
    const id = ulid();
    const created = "2024-05-01T10:00:00.123456789Z";
    const r = await create({ type: "t", id, created });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ id, created });
    expect(r.headers.get("location")).toBe(`/v1/tasks/${id}`);
    expectError(await create({ type: "t", id }), 409, "task_already_exists", "id");
    expectError(await create({ type: "t", id: "no/slash" }), 400, "task_id_invalid", "id");
    expectError(await create({ type: "t", created: "yesterday" }), 400, "invalid_argument", "created");
  });

  test("re-creating a deleted task at once is a duplicate work item", async () => {
    const id = ulid();
    expect((await create({ type: "t", id })).status).toBe(201);
    expect((await api.call("DELETE", `/v1/tasks/${id}`)).status).toBe(204);
    expectError(await create({ type: "t", id }), 409, "duplicate_item");
    expect((await api.client.loadTask(id)).state).toBe("queue_error");
  });
});

describe("GET and DELETE /v1/tasks/{id}", () => {
  test("get, delete, then not found", async () => {
    const { body: t } = await create({ type: "t", payload: [1] });
    const g = await api.call("GET", `/v1/tasks/${t.id}`);
    expect(g.status).toBe(200);
    expect(g.body).toEqual(t);
    expect((await api.call("DELETE", `/v1/tasks/${t.id}`)).status).toBe(204);
    expectError(await api.call("GET", `/v1/tasks/${t.id}`), 404, "task_not_found");
    expectError(await api.call("DELETE", `/v1/tasks/${t.id}`), 404, "task_not_found");
  });

  test("invalid ids are 400 task_id_invalid, including encoded slashes and dots", async () => {
    for (const id of ["a.b", "a%2Fb", "a%20b", "%E0%A4%A", "%00"]) {
      expectError(await api.call("GET", `/v1/tasks/${id}`), 400, "task_id_invalid", "id");
    }
    // URL parsers resolve dot segments before sending: these arrive as other paths.
    for (const id of ["..", "%2E%2E"])
      expectError(await api.call("GET", `/v1/tasks/${id}`), 404, "not_found");
    expectError(await api.call("DELETE", "/v1/tasks/a.b"), 400, "task_id_invalid");
  });

  test("an undecodable stored task is an opaque 500, logged", async () => {
    const raw = await rawNats(api.nats.url);
    await raw.js.publish("CHORIA_AJ.T.corrupt1", "{not json, secret-ish}");
    await raw.close();
    const r = await api.call("GET", "/v1/tasks/corrupt1");
    expectError(r, 500, "internal");
    expect(r.text).not.toContain("corrupt");
    expect(api.logs.some((l) => l.startsWith("ERRO") && l.includes("corrupt task"))).toBe(true);
    await api.client.deleteTask("corrupt1");
  });
});

describe("retry", () => {
  test("POST /v1/tasks/{id}/retry re-enqueues into the task's own queue", async () => {
    const { body: t } = await create({ type: "t", queue: "OTHER" });
    await api.client.purgeQueue("OTHER");
    const r = await api.call("POST", `/v1/tasks/${t.id}/retry`);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ id: t.id, queue: "OTHER", state: "retry" });
    expect((await api.client.queueInfo("OTHER")).entries).toBe(1);
  });

  test("retry errors", async () => {
    expectError(await api.call("POST", `/v1/tasks/${ulid()}/retry`), 404, "task_not_found");
    expectError(await api.call("POST", "/v1/tasks/a.b/retry"), 400, "task_id_invalid");
    const { body: active } = await create({ type: "t" });
    const task = await api.client.loadTask(active.id);
    task.state = "active";
    await api.client.storage.tasks.save(task);
    expectError(await api.call("POST", `/v1/tasks/${active.id}/retry`), 409, "task_already_active");
    await api.client.createQueue({ name: "GONE" });
    const { body: orphan } = await create({ type: "t", queue: "GONE" });
    await api.client.deleteQueue("GONE");
    expectError(await api.call("POST", `/v1/tasks/${orphan.id}/retry`), 404, "queue_not_found");
  });

  test("POST /v1/tasks/retry reports per item", async () => {
    const { body: a } = await create({ type: "t" });
    const { body: busy } = await create({ type: "t" });
    const task = await api.client.loadTask(busy.id);
    task.state = "active";
    await api.client.storage.tasks.save(task);
    const missing = ulid();
    const r = await api.call("POST", "/v1/tasks/retry", {
      json: { ids: [a.id, missing, busy.id, "bad id"] },
    });
    expect(r.status).toBe(200);
    expect(r.body.results).toEqual([
      { id: a.id, status: "ok" },
      // The Go server's words: the id is in the result already.
      { id: missing, status: "not_found", error: "task not found" },
      { id: busy.id, status: "failed", error: expect.stringContaining("active") },
      { id: "bad id", status: "failed", error: expect.stringContaining("invalid task id") },
    ]);
    expect((await api.client.loadTask(a.id)).state).toBe("retry");
  });

  test("bulk retry limits", async () => {
    expectError(await api.call("POST", "/v1/tasks/retry", { json: {} }), 400, "ids_required", "ids");
    expectError(await api.call("POST", "/v1/tasks/retry", { json: { ids: [] } }), 400, "ids_required", "ids");
    const many = Array.from({ length: 101 }, (_, i) => `t${i}`);
    expectError(
      await api.call("POST", "/v1/tasks/retry", { json: { ids: many } }),
      400,
      "ids_too_many",
      "ids",
    );
    expectError(
      await api.call("POST", "/v1/tasks/retry", { json: { ids: "x" } }),
      400,
      "invalid_json",
      "ids",
    );
  });
});
