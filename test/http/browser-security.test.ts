/**
 * A web page the operator visits cannot use a loopback ajc (issue 12, "Safe in a browser"),
 * against a real server and NATS: each request a browser can send cross-site without a preflight
 * (text/plain or form bodies, body-less POSTs, any method with a foreign Origin) and each request
 * of a page on a rebound name (a foreign Host) is refused in the envelope and changes nothing; each
 * legitimate client (no Origin, the server's own origin, an --allowed-host name) passes. Every
 * answer carries nosniff and frame-ancestors 'none', none an Access-Control-Allow-* header, and a
 * console route added later gets the same checks and the strict CSP.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { ulid } from "ulid";
import { createLogger } from "../../src/core/log.ts";
import type { Task } from "../../src/core/task.ts";
import { API_SECURITY_HEADERS, browserGuard, CONSOLE_CSP } from "../../src/http/browser.ts";
import { Connections } from "../../src/http/connections.ts";
import type { Handler } from "../../src/http/context.ts";
import { dispatcher } from "../../src/http/dispatch.ts";
import { sendAsset } from "../../src/http/respond.ts";
import { Router } from "../../src/http/router.ts";
import { rawRequest } from "../helpers/hostile.ts";
import { type ApiEnv, type ApiPeer, expectError, startApi } from "../helpers/http.ts";
import { validateResponse } from "../helpers/openapi.ts";

let api: ApiEnv;
let allowed: ApiPeer;
let port: number;
let own: string;
const EVIL = "https://evil.example";

beforeAll(async () => {
  api = await startApi();
  allowed = await api.another({ allowedHosts: ["jobs.example.com"] });
  port = api.server.port;
  own = `http://127.0.0.1:${port}`;
});
afterAll(() => api.close());

/** What an attack must leave as it was. */
async function snapshot() {
  const [tasks, queues, schedules, email] = await Promise.all([
    api.client.countTasks(),
    api.client.listQueues(),
    api.client.listSchedules(),
    api.client.queueInfo("EMAIL"),
  ]);
  return {
    tasks,
    queues: queues.map((q) => q.name).sort(),
    schedules: schedules.map((s) => s.name).sort(),
    entries: email.entries,
  };
}

let before: Awaited<ReturnType<typeof snapshot>>;
let task: Pick<Task, "id" | "state" | "tries">;
beforeEach(async () => {
  const t = await api.client.enqueue(
    api.client.newTask("browser:victim", Buffer.from('{"n":1}').toString("base64")),
    "EMAIL",
  );
  task = { id: t.id, state: t.state, tries: t.tries };
  before = await snapshot();
});

async function unchanged() {
  expect(await snapshot()).toEqual(before);
  const t = await api.client.loadTask(task.id);
  expect({ id: t.id, state: t.state, tries: t.tries }).toEqual(task);
}

/** One raw request with exact headers, checked against the contract. */
async function raw(method: string, path: string, headers: Record<string, string>, body = "") {
  const lines = Object.entries({ host: `127.0.0.1:${port}`, ...headers })
    .filter(([, v]) => v !== "")
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join("");
  const length =
    body === "" && !["POST", "PUT", "PATCH"].includes(method)
      ? ""
      : `content-length: ${Buffer.byteLength(body)}\r\n`;
  const a = await rawRequest(port, `${method} ${path} HTTP/1.1\r\n${lines}${length}\r\n${body}`);
  validateResponse({
    method,
    path,
    status: a.status,
    contentType: a.headers["content-type"],
    body: a.body,
    headers: a.headers,
  });
  return { status: a.status, headers: a.headers, body: a.body === "" ? null : JSON.parse(a.body) };
}

const TASK_JSON = JSON.stringify({ type: "browser:attack", payload: { to: "victim@example.com" } });

describe("bodies a browser may send cross-site without a preflight are refused with 415", () => {
  const cases: [string, string, string][] = [
    ["a text/plain JSON task", "/v1/tasks", "text/plain"],
    ["a text/plain; charset=utf-8 JSON task", "/v1/tasks", "text/plain; charset=utf-8"],
    ["a form-encoded task", "/v1/tasks", "application/x-www-form-urlencoded"],
    ["a multipart task", "/v1/tasks", "multipart/form-data; boundary=b"],
    ["a task without Content-Type", "/v1/tasks", ""],
    ["a text/plain queue", "/v1/queues", "text/plain"],
    ["a text/plain schedule", "/v1/schedules", "text/plain"],
    ["a text/plain bulk retry", "/v1/tasks/retry", "text/plain"],
    ["a text/plain body on purge", "/v1/queues/EMAIL/purge", "text/plain"],
    ["a text/plain body on retry", "/v1/tasks/TASK/retry", "text/plain"],
  ];
  for (const [what, path, type] of cases) {
    test(`${what}: 415, nothing stored or changed`, async () => {
      const body =
        path === "/v1/queues"
          ? '{"name":"ATTACK"}'
          : path === "/v1/schedules"
            ? '{"name":"attack","schedule":"@every 1m","queue":"EMAIL","task_type":"x"}'
            : path === "/v1/tasks/retry"
              ? `{"ids":["${task.id}"]}`
              : TASK_JSON;
      const r = await raw("POST", path.replace("TASK", task.id), { "content-type": type }, body);
      expectError(r, 415, "unsupported_media_type", "Content-Type");
      expect(r.body.error.code).toBe("invalid_argument");
      await unchanged();
    });
  }

  test("the same bodies as application/json (any case, with a charset) are served", async () => {
    for (const type of ["application/json", "Application/JSON; charset=UTF-8"]) {
      const r = await raw("POST", "/v1/tasks", { "content-type": type }, TASK_JSON);
      expect(r.status).toBe(201);
    }
    expect(await api.client.countTasks()).toBe(before.tasks + 2);
  });

  test("fetch's own text/plain default is refused too", async () => {
    const r = await api.call("POST", "/v1/tasks", {
      body: TASK_JSON,
      headers: { "content-type": "text/plain;charset=UTF-8" },
    });
    expectError(r, 415, "unsupported_media_type");
    await unchanged();
  });
});

describe("body-less operations need no Content-Type", () => {
  test("purge and retry without a body, as curl -X POST sends them", async () => {
    expect((await raw("POST", `/v1/tasks/${task.id}/retry`, {})).status).toBe(200);
    expect((await raw("POST", "/v1/queues/EMAIL/purge", {})).status).toBe(202);
    expect((await api.client.queueInfo("EMAIL")).entries).toBe(0);
  });

  test("an empty body with a form type is no body", async () => {
    const r = await raw("POST", "/v1/queues/EMAIL/purge", {
      "content-type": "application/x-www-form-urlencoded",
    });
    expect(r.status).toBe(202);
  });
});

describe("a request that changes something from a foreign Origin is refused with 403", () => {
  /** Another site, an opaque origin, another port, the other scheme, the other loopback name. */
  const origins = () => [
    EVIL,
    "null",
    "http://127.0.0.1:1",
    `https://127.0.0.1:${port}`,
    `http://localhost:${port}`,
  ];
  const attacks = (): [string, string, Record<string, string>, string][] => [
    ["purge", "/v1/queues/EMAIL/purge", {}, ""],
    [
      "a form POST to purge",
      "/v1/queues/EMAIL/purge",
      { "content-type": "application/x-www-form-urlencoded" },
      "",
    ],
    ["retry", `/v1/tasks/${task.id}/retry`, {}, ""],
    ["a JSON task", "/v1/tasks", { "content-type": "application/json" }, TASK_JSON],
    ["a text/plain task", "/v1/tasks", { "content-type": "text/plain" }, TASK_JSON],
    ["a queue", "/v1/queues", { "content-type": "application/json" }, '{"name":"ATTACK"}'],
  ];

  test("purge, retry, create task, create queue: 403 origin_forbidden, queue and task unchanged", async () => {
    for (const origin of origins()) {
      for (const [what, path, headers, body] of attacks()) {
        const r = await raw("POST", path, { ...headers, origin }, body);
        expect({ origin, what, status: r.status, reason: r.body?.error?.details?.reason }).toEqual({
          origin,
          what,
          status: 403,
          reason: "origin_forbidden",
        });
      }
      await unchanged();
    }
  });

  test("DELETE of a task, a queue and a schedule from a foreign origin: 403, all still there", async () => {
    await api.client.createSchedule({
      name: "keep",
      schedule: "@every 1h",
      queue: "EMAIL",
      task_type: "x",
      payload: null,
      max_tries: 10,
      created_at: new Date().toISOString(),
    });
    before = await snapshot();
    for (const path of [`/v1/tasks/${task.id}`, "/v1/queues/EMAIL", "/v1/schedules/keep"]) {
      expectError(await raw("DELETE", path, { origin: EVIL }), 403, "origin_forbidden", "Origin");
    }
    await unchanged();
    await api.client.deleteSchedule("keep");
  });

  test("a browser that sends no Origin but Sec-Fetch-Site: cross-site is refused the same way", async () => {
    expectError(
      await raw("POST", "/v1/queues/EMAIL/purge", { "sec-fetch-site": "cross-site" }),
      403,
      "origin_forbidden",
    );
    await unchanged();
  });

  test("reads from a foreign origin are answered, but nothing lets the page read them", async () => {
    const r = await raw("GET", `/v1/tasks/${task.id}`, { origin: EVIL });
    expect(r.status).toBe(200);
    expect(Object.keys(r.headers).filter((h) => h.startsWith("access-control-"))).toEqual([]);
  });

  test("the server's own origin passes: http://127.0.0.1:PORT, and localhost:PORT when Host says so", async () => {
    expect((await raw("POST", `/v1/tasks/${task.id}/retry`, { origin: own })).status).toBe(200);
    const viaLocalhost = await raw(
      "POST",
      "/v1/tasks",
      { host: `localhost:${port}`, origin: `http://localhost:${port}`, "content-type": "application/json" },
      TASK_JSON,
    );
    expect(viaLocalhost.status).toBe(201);
    const proxied = await raw(
      "POST",
      "/v1/tasks",
      {
        origin: `https://127.0.0.1:${port}`,
        "x-forwarded-proto": "https",
        "content-type": "application/json",
      },
      TASK_JSON,
    );
    expect(proxied.status).toBe(201);
  });
});

describe("a Host that is not loopback (DNS rebinding) is refused with 403 on every path", () => {
  const rebound = [
    "evil.example",
    "evil.example:8080",
    "127.0.0.1.nip.io",
    "localhost.evil.example",
    "localhost.",
  ];

  test("reads, probes, the document and unknown paths: 403 host_forbidden, nothing of theirs answered", async () => {
    for (const host of rebound) {
      for (const path of [
        "/v1/tasks",
        `/v1/tasks/${task.id}`,
        "/v1/info",
        "/healthz",
        "/readyz",
        "/v1/openapi.json",
        "/nope",
      ]) {
        const r = await raw("GET", path, { host });
        expect({ host, path, status: r.status, reason: r.body?.error?.details?.reason }).toEqual({
          host,
          path,
          status: 403,
          reason: "host_forbidden",
        });
        expect(JSON.stringify(r.body)).not.toContain(task.id);
      }
    }
  });

  test("writes from the rebound page, same-origin to it: 403, nothing stored", async () => {
    const host = `evil.example:${port}`;
    const origin = `http://evil.example:${port}`;
    for (const [path, body] of [
      ["/v1/tasks", TASK_JSON],
      ["/v1/queues/EMAIL/purge", ""],
      [`/v1/tasks/${task.id}/retry`, ""],
    ] as const) {
      const type: Record<string, string> = body === "" ? {} : { "content-type": "application/json" };
      expectError(await raw("POST", path, { host, origin, ...type }, body), 403, "host_forbidden", "Host");
    }
    await unchanged();
  });

  test("loopback names pass with any port: 127.0.0.1, 127.x, localhost, [::1]", async () => {
    for (const host of [
      `127.0.0.1:${port}`,
      "127.0.0.1",
      "127.9.9.9:1",
      `localhost:${port}`,
      "LocalHost",
      `[::1]:${port}`,
    ]) {
      expect({ host, status: (await raw("GET", "/healthz", { host })).status }).toEqual({
        host,
        status: 200,
      });
    }
  });

  test("--allowed-host adds a name; others are still refused", async () => {
    const p = allowed.server.port;
    const get = (host: string) => rawRequest(p, `GET /v1/info HTTP/1.1\r\nhost: ${host}\r\n\r\n`);
    expect((await get("jobs.example.com")).status).toBe(200);
    expect((await get("JOBS.example.com:443")).status).toBe(200);
    expect((await get(`127.0.0.1:${p}`)).status).toBe(200);
    expect((await get("evil.example")).status).toBe(403);
    expect((await raw("GET", "/v1/info", { host: "jobs.example.com" })).status).toBe(403);
    const write = await rawRequest(
      p,
      `POST /v1/tasks HTTP/1.1\r\nhost: jobs.example.com\r\norigin: http://jobs.example.com\r\ncontent-type: application/json\r\ncontent-length: ${TASK_JSON.length}\r\n\r\n${TASK_JSON}`,
    );
    expect(write.status).toBe(201);
  });
});

describe("CORS: nothing is granted to another origin", () => {
  test("a preflight from a foreign origin gets no Access-Control-Allow-* header and no 2xx", async () => {
    for (const path of ["/v1/tasks", "/v1/queues/EMAIL/purge", `/v1/tasks/${task.id}`, "/nope"]) {
      const r = await raw("OPTIONS", path, {
        origin: EVIL,
        "access-control-request-method": "POST",
        "access-control-request-headers": "content-type",
      });
      expect(r.status).toBeGreaterThanOrEqual(400);
      expect(Object.keys(r.headers).filter((h) => h.startsWith("access-control-"))).toEqual([]);
    }
  });
});

describe("security headers", () => {
  const expectSecure = (what: string, headers: Record<string, string> | Headers) => {
    const get = (n: string) => (headers instanceof Headers ? headers.get(n) : headers[n]) ?? null;
    expect({ what, nosniff: get("x-content-type-options"), csp: get("content-security-policy") }).toEqual({
      what,
      nosniff: "nosniff",
      csp: API_SECURITY_HEADERS["content-security-policy"]!,
    });
    const names = headers instanceof Headers ? [...headers.keys()] : Object.keys(headers);
    expect({ what, cors: names.filter((h) => h.toLowerCase().startsWith("access-control-")) }).toEqual({
      what,
      cors: [],
    });
  };

  test("every kind of answer carries nosniff and frame-ancestors 'none', none a CORS grant", async () => {
    const created = await api.call("POST", "/v1/tasks", { json: { type: "h" } });
    const answers: [string, Headers][] = [
      ["200", (await api.call("GET", "/v1/info")).headers],
      ["201", created.headers],
      ["204", (await api.call("DELETE", `/v1/tasks/${created.body.id}`)).headers],
      ["202", (await api.call("POST", "/v1/queues/EMAIL/purge")).headers],
      ["400", (await api.call("POST", "/v1/tasks", { json: {} })).headers],
      ["404", (await api.call("GET", "/nope")).headers],
      ["405", (await api.call("PUT", "/v1/tasks")).headers],
      [
        "415",
        (await api.call("POST", "/v1/tasks", { body: "{}", headers: { "content-type": "text/plain" } }))
          .headers,
      ],
      ["ndjson", (await api.call("GET", "/v1/tasks?stream=ndjson&limit=1")).headers],
      ["openapi", (await api.call("GET", "/v1/openapi.json")).headers],
    ];
    for (const [what, h] of answers) expectSecure(what, h);
    expectSecure("403", (await raw("GET", "/healthz", { host: "evil.example" })).headers);
    const parserRefusal = await rawRequest(port, "GARBAGE\r\n\r\n");
    expect(parserRefusal.status).toBe(400);
    expectSecure("parser refusal", parserRefusal.headers);
    const connect = await rawRequest(port, `CONNECT /v1/tasks HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`);
    expect(connect.status).toBe(405);
    expectSecure("CONNECT", connect.headers);
  });
});

describe("a console route added later gets the same guard and the console's headers", () => {
  let server: Server;
  let consolePort: number;
  beforeAll(async () => {
    const router = new Router<Handler>();
    router.add("GET", "/ui/", (ctx) =>
      sendAsset(ctx.res, 200, "text/html; charset=utf-8", "<!doctype html><title>ajc</title>"),
    );
    router.add("POST", "/ui/action", (ctx) => sendAsset(ctx.res, 200, "text/plain", "done"));
    const connections = new Connections({ headersMs: 5_000, idleMs: 5_000 }, 5_000);
    const limits = { maxBodyBytes: 1024, readTimeoutMs: 5_000, writeTimeoutMs: 5_000 };
    const log = createLogger({ write: () => {} });
    server = createServer(
      dispatcher(router, limits, connections, log, browserGuard({ bindHost: "127.0.0.1", tls: false })),
    );
    connections.attach(server);
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    consolePort = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  test("a page: strict CSP, DENY, no-referrer, nosniff; HEAD without a body", async () => {
    const r = await fetch(`http://127.0.0.1:${consolePort}/ui/`);
    expect(r.status).toBe(200);
    expect(r.headers.get("content-security-policy")).toBe(CONSOLE_CSP);
    expect(r.headers.get("x-frame-options")).toBe("DENY");
    expect(r.headers.get("referrer-policy")).toBe("no-referrer");
    expect(r.headers.get("x-content-type-options")).toBe("nosniff");
    expect(r.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(await r.text()).toContain("<title>ajc</title>");
    const head = await fetch(`http://127.0.0.1:${consolePort}/ui/`, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe("");
  });

  test("a rebound Host and a foreign Origin are refused there too", async () => {
    const page = await rawRequest(consolePort, "GET /ui/ HTTP/1.1\r\nHost: evil.example\r\n\r\n");
    expect(page.status).toBe(403);
    expect(page.body).not.toContain("<title>");
    const action = await rawRequest(
      consolePort,
      `POST /ui/action HTTP/1.1\r\nHost: 127.0.0.1:${consolePort}\r\nOrigin: ${EVIL}\r\nContent-Length: 0\r\n\r\n`,
    );
    expect(action.status).toBe(403);
    expect(JSON.parse(action.body).error.details.reason).toBe("origin_forbidden");
  });
});

test("the guard does not hide what a legitimate client is told: 404 stays 404", async () => {
  expectError(await api.call("GET", `/v1/tasks/${ulid()}`), 404, "task_not_found");
});
