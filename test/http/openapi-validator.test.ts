/** The response validator of test/helpers/openapi.ts accepts what the contract allows and nothing else. */
import { describe, expect, test } from "bun:test";
import { checkedFetch, type ResponseToCheck, validateResponse } from "../helpers/openapi.ts";

const task = {
  id: "01J0000000000000000000000A",
  type: "email:new",
  queue: "EMAIL",
  payload: "eyJ0byI6IngifQ==",
  max_tries: 10,
  state: "new",
  created: "2024-05-01T10:00:00.123456789Z",
  tries: 0,
};
const json = "application/json; charset=utf-8";
const envelope = (code: string, reason: string, field?: string) => ({
  error: { code, message: "m", details: field ? { reason, field } : { reason } },
});
const check = (r: Partial<ResponseToCheck>) =>
  validateResponse({ method: "GET", path: "/v1/tasks/x", status: 200, contentType: json, body: null, ...r });

describe("accepts", () => {
  test("a task, a task without payload, a JSON text body", () => {
    expect(check({ body: task }).operationId).toBe("getTask");
    expect(check({ body: { ...task, payload: null } }).template).toBe("/v1/tasks/{id}");
    expect(check({ body: JSON.stringify(task) }).status).toBe(200);
  });

  test("creation with Location, and its idempotent replay", () => {
    for (const status of [200, 201]) {
      const r = check({
        method: "POST",
        path: "/v1/tasks",
        status,
        body: task,
        headers: { Location: `/v1/tasks/${task.id}` },
      });
      expect(r.operationId).toBe("createTask");
    }
  });

  test("NDJSON lines, given as text or parsed", () => {
    const lines = `${JSON.stringify(task)}\n${JSON.stringify({ ...task, id: "b" })}\n`;
    expect(
      check({ path: "/v1/tasks?stream=ndjson", contentType: "application/x-ndjson", body: lines })
        .operationId,
    ).toBe("listTasks");
    check({ path: "/v1/tasks", contentType: "application/x-ndjson", body: [task] });
  });

  test("HEAD as GET without a body", () => {
    expect(check({ method: "HEAD", path: "/v1/info", body: "" }).operationId).toBe("getInfo");
    expect(() => check({ method: "HEAD", path: "/v1/info", body: "{}" })).toThrow(/HEAD response has a body/);
  });

  test("204 and 202 without a body", () => {
    check({ method: "DELETE", status: 204, contentType: null, body: "" });
    check({ method: "POST", path: "/v1/queues/Q/purge", status: 202, contentType: null, body: null });
  });

  test("unknown paths 404, unknown methods 405 with Allow, the literal path before the template", () => {
    expect(
      check({ path: "/nope", status: 404, body: envelope("not_found", "not_found") }).operationId,
    ).toBeUndefined();
    check({
      method: "PUT",
      path: "/v1/tasks",
      status: 405,
      body: envelope("invalid_argument", "method_not_allowed"),
      headers: { Allow: "GET, POST" },
    });
    expect(
      check({ method: "POST", path: "/v1/tasks/retry", body: { results: [{ id: "a", status: "ok" }] } })
        .operationId,
    ).toBe("retryTasks");
    check({ path: "/v1/tasks/retry", status: 405, body: envelope("invalid_argument", "method_not_allowed") });
  });

  test("429 with Retry-After, 503, 413", () => {
    check({
      path: "/v1/tasks",
      status: 429,
      body: envelope("rate_limited", "list_in_progress"),
      headers: { "retry-after": "1" },
    });
    check({ status: 503, body: envelope("unavailable", "storage_not_ready") });
    check({
      method: "POST",
      path: "/v1/tasks",
      status: 413,
      body: envelope("payload_too_large", "payload_too_large"),
    });
  });
});

describe("refuses", () => {
  const cases: [string, Partial<ResponseToCheck>, RegExp][] = [
    [
      "an undocumented status",
      { status: 409, body: envelope("conflict", "task_already_active") },
      /status 409 is not documented/,
    ],
    [
      "an undocumented property",
      { body: { ...task, secret: 1 } },
      /property "secret" that the document does not describe/,
    ],
    ["a wrong type", { body: { ...task, tries: "0" } }, /\/tries must be integer/],
    ["bad base64", { body: { ...task, payload: "not base64!" } }, /\/payload must match format "byte"/],
    ["a bad time", { body: { ...task, created: "yesterday" } }, /\/created must match format "date-time"/],
    ["an unknown state", { body: { ...task, state: "done" } }, /\/state must be one of/],
    [
      "a missing required property",
      { body: { ...task, queue: undefined } },
      /must have required property 'queue'/,
    ],
    ["invalid JSON", { body: "{" }, /not valid JSON/],
    [
      "an undocumented content type",
      { contentType: "text/plain", body: "hi" },
      /content type "text\/plain" is not documented/,
    ],
    ["no body where one is documented", { body: "" }, /expected a application\/json body/],
    ["a body on 204", { method: "DELETE", status: 204, contentType: null, body: "x" }, /says no body/],
    ["an unknown reason", { status: 404, body: envelope("not_found", "gone") }, /not one of the reasons/],
    [
      "a reason under the wrong code",
      { status: 404, body: envelope("not_found", "queue_already_exists") },
      /belongs to code "duplicate"/,
    ],
    [
      "a code that does not fit the status",
      { status: 400, body: envelope("not_found", "task_not_found") },
      /does not fit status 400/,
    ],
    [
      "an extra detail",
      {
        status: 404,
        body: { error: { code: "not_found", message: "m", details: { reason: "task_not_found", raw: "x" } } },
      },
      /"raw"/,
    ],
    [
      "an envelope without a reason",
      { status: 404, body: { error: { code: "not_found", message: "m" } } },
      /required property 'details'/,
    ],
    [
      "405 without Allow",
      {
        method: "PUT",
        path: "/v1/tasks",
        status: 405,
        body: envelope("invalid_argument", "method_not_allowed"),
        headers: {},
      },
      /required header Allow is missing/,
    ],
    [
      "404 for a known path's wrong method",
      { method: "PUT", path: "/v1/tasks", status: 404, body: envelope("not_found", "not_found") },
      /status 404 is not documented/,
    ],
    [
      "429 without Retry-After",
      { path: "/v1/tasks", status: 429, body: envelope("rate_limited", "list_in_progress"), headers: {} },
      /Retry-After is missing/,
    ],
    [
      "a Location for another task",
      {
        method: "POST",
        path: "/v1/tasks",
        status: 201,
        body: task,
        headers: { Location: "/v1/tasks/other" },
      },
      /does not point at task/,
    ],
    [
      "a bad NDJSON line",
      { path: "/v1/tasks", contentType: "application/x-ndjson", body: `${JSON.stringify(task)}\n{"id":1}\n` },
      /line 2 does not match/,
    ],
    [
      "a count that disagrees",
      { path: "/v1/tasks", body: { tasks: [task], count: 2 } },
      /count 2 but 1 tasks/,
    ],
  ];
  for (const [name, r, message] of cases) {
    test(name, () => {
      expect(() => check(r)).toThrow(message);
    });
  }
});

describe("checkedFetch", () => {
  test("parses and passes a good response, throws on a bad one", async () => {
    using srv = Bun.serve({
      port: 0,
      hostname: "127.0.0.1",
      fetch: (req) =>
        new URL(req.url).pathname === "/v1/tasks/good"
          ? Response.json(task)
          : new Response("oops", { status: 200, headers: { "content-type": "application/json" } }),
    });
    const ok = await checkedFetch<typeof task>(`${srv.url}v1/tasks/good`);
    expect(ok).toMatchObject({ status: 200, body: task, operationId: "getTask" });
    expect(ok.headers.get("content-type")).toContain("application/json");
    await expect(checkedFetch(`${srv.url}v1/tasks/bad`)).rejects.toThrow(
      /GET \/v1\/tasks\/bad → 200 \(getTask\): body is not valid JSON/,
    );
  });
});
