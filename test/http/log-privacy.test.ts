import { afterAll, beforeAll, expect, test } from "bun:test";
import { type ApiEnv, startApi } from "../helpers/http.ts";
import { rawHttp } from "../helpers/rawhttp.ts";

const SECRET = "s3cr3t-XYZZY";
let api: ApiEnv;
beforeAll(async () => {
  api = await startApi({ server: { maxBodyBytes: 4096 } });
});
afterAll(() => api.close());

test("one line per request: method, path, status, duration — never body, query or Authorization", async () => {
  const auth = { authorization: `Bearer ${SECRET}`, cookie: `session=${SECRET}` };
  await api.call("POST", "/v1/tasks", { json: { type: "t", payload: { password: SECRET } }, headers: auth });
  await api.call("POST", "/v1/tasks", { json: { type: "t", [SECRET]: 1 }, headers: auth });
  await api.call("POST", "/v1/tasks", { body: `{"type": "${SECRET}`, headers: auth });
  await api.call("POST", "/v1/tasks", { json: { type: "t", payload_base64: SECRET }, headers: auth });
  await api.call("GET", `/v1/tasks?type=${SECRET}&token=${SECRET}`, { headers: auth });
  await api.call("GET", `/v1/tasks?limit=${SECRET}`, { headers: auth });
  await api.call("POST", "/v1/queues", { json: { name: "Q", max_age: SECRET }, headers: auth });
  await api.call("POST", "/v1/schedules", {
    json: { name: "s", schedule: SECRET, queue: "Q", task_type: "t" },
  });
  await api.call("POST", "/v1/tasks", {
    json: { type: "t" },
    headers: { ...auth, "Idempotency-Key": SECRET },
  });
  await api.call("GET", "/v1/info", { headers: auth });
  await rawHttp(api.server.port, [
    `POST /v1/tasks?x=${SECRET} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 9000\r\n\r\n${SECRET}`,
  ]);

  const requests = api.logs.filter((l) => l.includes(" request "));
  expect(requests.length).toBeGreaterThanOrEqual(11);
  for (const line of requests) {
    expect(line).toMatch(
      /^INFO\[\d{4}\] request method=(GET|POST) path=\/v1\/[a-z]+ status=\d{3} duration_ms=[\d.]+$/,
    );
  }
  for (const line of api.logs) {
    expect(line).not.toContain(SECRET);
    expect(line).not.toContain("Bearer");
    expect(line).not.toContain("?");
  }
  expect(requests.some((l) => l.includes("status=413"))).toBe(true);
});
