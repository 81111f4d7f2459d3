import { afterAll, beforeAll, expect, test } from "bun:test";
import doc from "../../api/openapi.yaml";
import { listRetryPolicies } from "../../src/core/retry.ts";
import { VERSION } from "../../src/version.ts";
import { type ApiEnv, startApi } from "../helpers/http.ts";

let api: ApiEnv;
beforeAll(async () => {
  api = await startApi();
});
afterAll(() => api.close());

test("GET /healthz answers without storage", async () => {
  const r = await api.call("GET", "/healthz");
  expect(r.status).toBe(200);
  expect(r.body.status).toBe("ok");
  expect(Date.parse(r.body.time)).toBeGreaterThan(Date.now() - 60_000);
});

test("GET /readyz checks the task store and the configuration bucket", async () => {
  const r = await api.call("GET", "/readyz");
  expect(r.status).toBe(200);
  expect(r.body).toEqual({ ready: true, checks: { tasks: { ok: true }, config: { ok: true } } });
});

test("GET /v1/info: version, auth, counts", async () => {
  const r = await api.call("GET", "/v1/info");
  expect(r.status).toBe(200);
  const delayed = api.client.delayedTasks().available;
  expect(r.text).toBe(
    `{"version":"v${VERSION}","auth":"none","queue_count":1,"task_count":0,"delayed_tasks":${delayed}}`,
  );
});

test("GET /v1/retry-policies lists the policies sorted by name", async () => {
  const r = await api.call("GET", "/v1/retry-policies");
  expect(r.status).toBe(200);
  expect(r.body.policies.map((p: { name: string }) => p.name)).toEqual(["10m", "1h", "1m", "default"]);
  expect(r.body).toEqual({ policies: listRetryPolicies() });
  expect(r.body.policies[0].intervals.slice(0, 3)).toEqual([60000000000, 70800000000, 81600000000]);
});

test("GET /v1/openapi.json is the embedded document as JSON", async () => {
  const r = await api.call("GET", "/v1/openapi.json");
  expect(r.status).toBe(200);
  expect(r.body).toEqual(JSON.parse(JSON.stringify(doc)));
  expect(r.body.openapi).toBe("3.0.3");
});

test("unknown paths are 404 not_found in the envelope", async () => {
  // "/" redirects to the console (test/http/console.test.ts), and is 404 with the console off.
  for (const path of ["/nope", "/v1", "/v1/nope", "/v1/tasks/", "/healthz/x"]) {
    const r = await api.call("GET", path);
    expect([path, r.status]).toEqual([path, 404]);
    expect(r.body.error).toMatchObject({ code: "not_found", details: { reason: "not_found" } });
  }
});

test("a known path with a wrong method is 405 with Allow", async () => {
  const r = await api.call("PUT", "/v1/tasks");
  expect(r.status).toBe(405);
  expect(r.headers.get("allow")).toBe("GET, HEAD, POST");
  expect(r.body.error).toMatchObject({ code: "invalid_argument", details: { reason: "method_not_allowed" } });
  const d = await api.call("DELETE", "/healthz");
  expect(d.status).toBe(405);
  expect(d.headers.get("allow")).toBe("GET, HEAD");
  const p = await api.call("PATCH", "/v1/queues/EMAIL");
  expect(p.headers.get("allow")).toBe("DELETE, GET, HEAD");
});

test("HEAD is served like GET, without a body", async () => {
  const r = await fetch(`${api.url}/healthz`, { method: "HEAD" });
  expect(r.status).toBe(200);
  expect(await r.text()).toBe("");
});

test("the query string never changes the route", async () => {
  const r = await api.call("GET", "/v1/info?x=1&y=2");
  expect(r.status).toBe(200);
});

test("GET /v1/info names the scheduler that leads the election, and nothing while none does", async () => {
  const { Scheduler } = await import("../../src/scheduler/scheduler.ts");
  const before = await api.call("GET", "/v1/info");
  expect(before.body.scheduler_leader).toBeUndefined();
  const s = new Scheduler(api.client, {
    name: "sched-on-host-a",
    election: { maxSplayMs: 0, campaignIntervalMs: 100, confirmDelayMs: 100, refreshIntervalMs: 2_000 },
  });
  const stop = new AbortController();
  const running = s.run(stop.signal);
  try {
    const deadline = Date.now() + 10_000;
    while (!s.isLeader() && Date.now() < deadline) await Bun.sleep(20);
    expect(s.isLeader()).toBe(true);
    const r = await api.call("GET", "/v1/info");
    expect(r.body.scheduler_leader).toBe("sched-on-host-a");
  } finally {
    stop.abort();
    await running;
  }
  // A leader that stops steps down: its key is removed.
  expect((await api.call("GET", "/v1/info")).body.scheduler_leader).toBeUndefined();
});
