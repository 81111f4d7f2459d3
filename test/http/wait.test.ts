/**
 * `Prefer: wait=N` on `POST /v1/tasks` and `GET /v1/tasks/{id}`, through the client generated
 * from api/openapi.yaml (every answer checked against the contract), on real NATS.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import createClient, { type Client } from "openapi-fetch";
import { preferredWaitSeconds } from "../../src/http/wait.ts";
import { type ApiEnv, startApi } from "../helpers/http.ts";
import { contractFetch } from "../helpers/openapi.ts";
import type { paths } from "./generated/api.d.ts";

let env: ApiEnv;
let api: Client<paths>;

beforeAll(async () => {
  env = await startApi({ server: { maxWaitMs: 1_500 } });
  api = createClient<paths>({ baseUrl: env.url, fetch: contractFetch });
});
afterAll(() => env.close());

async function until(ok: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error("timed out");
    await Bun.sleep(10);
  }
}

async function complete(id: string): Promise<void> {
  const t = await env.client.loadTask(id);
  t.state = "complete";
  t.result = { payload: "ok", completed: new Date().toISOString() };
  await env.client.storage.tasks.save(t);
}

test("the Prefer header's wait preference is read as RFC 7240 writes it; anything else is ignored", () => {
  expect(preferredWaitSeconds("wait=10")).toBe(10);
  expect(preferredWaitSeconds("respond-async, wait=5")).toBe(5);
  expect(preferredWaitSeconds(["handling=lenient", 'Wait="7"; x=y'])).toBe(7);
  for (const h of [undefined, "", "wait", "wait=", "wait=-1", "wait=1.5", "wait=abc", "respond-async"]) {
    expect(preferredWaitSeconds(h)).toBeUndefined();
  }
});

test("a create that waits is answered as soon as its task completes, 201 with the final task", async () => {
  // The reload timer is an hour: only the task's lifecycle event can end this wait early.
  const long = await env.another({ maxWaitMs: 30_000, waitReloadMs: 3_600_000 });
  const longApi = createClient<paths>({ baseUrl: long.url, fetch: contractFetch });
  const held = longApi.POST("/v1/tasks", {
    body: { type: "wait:create" },
    params: { header: { Prefer: "wait=30" } },
  });
  await until(() => long.server.live.waiters === 1);
  const pending = (await Array.fromAsync(env.client.listTasks())).filter(
    (t) => t.type === "wait:create" && t.state === "new",
  );
  expect(pending).toHaveLength(1);
  for (const t of pending) await complete(t.id);
  const woken = await Promise.race([
    held.then(() => "answered"),
    Bun.sleep(10_000).then(() => "still waiting"),
  ]);
  expect(woken).toBe("answered");
  const r = await held;
  expect(r.response.status).toBe(201);
  expect(r.data).toMatchObject({ type: "wait:create", state: "complete" });
  expect(r.response.headers.get("preference-applied")).toBe("wait=30");
  expect(r.response.headers.get("location")).toBe(`/v1/tasks/${r.data!.id}`);
  expect(long.server.live.waiters).toBe(0);
});

test("a read that waits for a task that does not end answers after N seconds with the task as it is", async () => {
  const created = await api.POST("/v1/tasks", { body: { type: "wait:slow" } });
  const id = created.data!.id;
  const started = performance.now();
  const r = await api.GET("/v1/tasks/{id}", { params: { path: { id }, header: { Prefer: "wait=1" } } });
  expect(performance.now() - started).toBeGreaterThanOrEqual(990);
  expect(r.response.status).toBe(200);
  expect(r.data).toMatchObject({ id, state: "new" });
  expect(r.response.headers.get("preference-applied")).toBe("wait=1");
});

test("the server caps the wait (--max-wait), and says so in Preference-Applied", async () => {
  const created = await api.POST("/v1/tasks", { body: { type: "wait:cap" } });
  const r = await api.GET("/v1/tasks/{id}", {
    params: { path: { id: created.data!.id }, header: { Prefer: "wait=3600" } },
  });
  expect(r.response.status).toBe(200);
  expect(r.response.headers.get("preference-applied")).toBe("wait=1");
});

test("an ended task, or no wait preference, is answered at once without Preference-Applied waiting", async () => {
  const created = await api.POST("/v1/tasks", { body: { type: "wait:done" } });
  await complete(created.data!.id);
  const r = await api.GET("/v1/tasks/{id}", {
    params: { path: { id: created.data!.id }, header: { Prefer: "wait=3600" } },
  });
  expect(r.data?.state).toBe("complete");
  const plain = await api.GET("/v1/tasks/{id}", {
    params: { path: { id: created.data!.id }, header: { Prefer: "wait=soon" } },
  });
  expect(plain.response.headers.get("preference-applied")).toBeNull();
});

test("an idempotent replay waits too, and answers 200 with the ended task", async () => {
  const long = await env.another({ maxWaitMs: 30_000 });
  const longApi = createClient<paths>({ baseUrl: long.url, fetch: contractFetch });
  const key = `wait-${Date.now()}`;
  const first = await longApi.POST("/v1/tasks", {
    body: { type: "wait:replay" },
    params: { header: { "Idempotency-Key": key } },
  });
  const replay = longApi.POST("/v1/tasks", {
    body: { type: "wait:replay" },
    params: { header: { "Idempotency-Key": key, Prefer: "wait=30" } },
  });
  await until(() => long.server.live.waiters === 1);
  await complete(first.data!.id);
  const r = await replay;
  expect(r.response.status).toBe(200);
  expect(r.data).toMatchObject({ id: first.data!.id, state: "complete" });
});

test("a client that disconnects while waiting leaves no waiter behind", async () => {
  const long = await env.another({ maxWaitMs: 30_000 });
  const created = await api.POST("/v1/tasks", { body: { type: "wait:gone" } });
  const ac = new AbortController();
  const gone = fetch(`${long.url}/v1/tasks/${created.data!.id}`, {
    headers: { prefer: "wait=30" },
    signal: ac.signal,
  }).catch(() => undefined);
  await until(() => long.server.live.waiters === 1);
  ac.abort();
  await gone;
  await until(() => long.server.live.waiters === 0, 2_000);
});
