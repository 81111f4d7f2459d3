/**
 * `/metrics` of the compiled `ajc server run --monitor`: Prometheus text on its own port, off by
 * default, and series that move with the traffic: requests by route pattern and status, the
 * request-time histogram, enqueues by queue, idempotent replays, listings turned away, open event
 * streams and waiters, the NATS connection.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { type AjcProcess, ajcBinary, runAjc, spawnAjc } from "../helpers/binary.ts";
import { freePort, type NatsServer, startNats } from "../helpers/nats.ts";
import { openSse } from "../helpers/sse.ts";

setDefaultTimeout(60_000);

let nats: NatsServer;
let server: AjcProcess;
let url: string;
let metricsUrl: string;
let metricsPort: number;

beforeAll(async () => {
  ajcBinary();
  nats = await startNats();
  const env = { NATS_URL: nats.url };
  expect((await runAjc(["queue", "add", "MQ"], { env })).code).toBe(0);
  expect((await runAjc(["queue", "add", "MQ2"], { env })).code).toBe(0);
  const port = await freePort();
  metricsPort = await freePort();
  url = `http://127.0.0.1:${port}`;
  metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
  server = spawnAjc(
    [
      "server",
      "run",
      "--queue",
      "MQ",
      "--bind",
      `127.0.0.1:${port}`,
      "--monitor",
      `127.0.0.1:${metricsPort}`,
    ],
    { env },
  );
  await server.waitFor("listening on");
});
afterAll(async () => {
  await server?.stop("SIGKILL");
  await nats?.close();
});

/** The scraped text. */
async function scrape(): Promise<string> {
  const r = await fetch(metricsUrl);
  expect(r.status).toBe(200);
  expect(r.headers.get("content-type")).toContain("text/plain; version=0.0.4");
  return r.text();
}

/** The value of one series (0 when it is not there), labels given in any order. */
function value(text: string, name: string, labels: Record<string, string> = {}): number {
  for (const line of text.split("\n")) {
    if (line.startsWith("#")) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const got: Record<string, string> = {};
    for (const l of (m[2] ?? "").matchAll(/([a-zA-Z_]+)="((?:[^"\\]|\\.)*)"/g)) got[l[1]!] = l[2]!;
    if (Object.keys(got).length !== Object.keys(labels).length) continue;
    if (Object.entries(labels).every(([k, v]) => got[k] === v)) return Number(m[3]);
  }
  return 0;
}

const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });

test("requests by route pattern and status, and the time histogram", async () => {
  const before = await scrape();
  const created = (await (await post("/v1/tasks", { type: "m:a" })).json()) as { id: string };
  expect((await fetch(`${url}/v1/tasks/${created.id}`)).status).toBe(200);
  expect((await fetch(`${url}/v1/tasks/nope`)).status).toBe(404);
  expect((await fetch(`${url}/no/such/path`)).status).toBe(404);
  const after = await scrape();
  const req = (route: string, method: string, code: string) =>
    value(after, "choria_asyncjobs_http_request_count", { route, method, code }) -
    value(before, "choria_asyncjobs_http_request_count", { route, method, code });
  expect(req("/v1/tasks", "POST", "201")).toBe(1);
  expect(req("/v1/tasks/{id}", "GET", "200")).toBe(1);
  expect(req("/v1/tasks/{id}", "GET", "404")).toBe(1);
  expect(req("unmatched", "GET", "404")).toBe(1);
  // The raw ids never become labels.
  expect(after).not.toContain(created.id);
  const count = (t: string) =>
    value(t, "choria_asyncjobs_http_request_time_count", { route: "/v1/tasks/{id}", method: "GET" });
  expect(count(after) - count(before)).toBe(2);
  const inf = value(after, "choria_asyncjobs_http_request_time_bucket", {
    route: "/v1/tasks/{id}",
    method: "GET",
    le: "+Inf",
  });
  expect(inf).toBe(count(after));
  expect(after).toContain("# TYPE choria_asyncjobs_http_request_time histogram");
});

test("enqueues by queue and idempotent replays", async () => {
  const before = await scrape();
  await post("/v1/tasks", { type: "m:b" });
  await post("/v1/tasks", { type: "m:b", queue: "MQ2" });
  const key = { "idempotency-key": `m-${Date.now()}` };
  expect((await post("/v1/tasks", { type: "m:c" }, key)).status).toBe(201);
  expect((await post("/v1/tasks", { type: "m:c" }, key)).status).toBe(200);
  const after = await scrape();
  const diff = (name: string, labels: Record<string, string> = {}) =>
    value(after, name, labels) - value(before, name, labels);
  expect(diff("choria_asyncjobs_http_enqueue_count", { queue: "MQ" })).toBe(2);
  expect(diff("choria_asyncjobs_http_enqueue_count", { queue: "MQ2" })).toBe(1);
  expect(diff("choria_asyncjobs_http_idempotent_replay_count")).toBe(1);
});

test("open event streams and waiters are gauges; streams and listings turned away are counted", async () => {
  const stream = await openSse(`${url}/v1/events`);
  expect(stream.status).toBe(200);
  const task = (await (await post("/v1/tasks", { type: "m:wait" })).json()) as { id: string };
  const ac = new AbortController();
  const waiting = fetch(`${url}/v1/tasks/${task.id}`, {
    headers: { prefer: "wait=30" },
    signal: ac.signal,
  }).catch(() => undefined);
  const deadline = Date.now() + 10_000;
  let text = await scrape();
  while (value(text, "choria_asyncjobs_http_waiters") !== 1 && Date.now() < deadline) {
    await Bun.sleep(50);
    text = await scrape();
  }
  expect(value(text, "choria_asyncjobs_http_event_streams")).toBe(1);
  expect(value(text, "choria_asyncjobs_http_waiters")).toBe(1);
  ac.abort();
  await waiting;
  stream.close();
  for (let i = 0; i < 100; i++) {
    text = await scrape();
    if (
      value(text, "choria_asyncjobs_http_event_streams") === 0 &&
      value(text, "choria_asyncjobs_http_waiters") === 0
    )
      break;
    await Bun.sleep(50);
  }
  expect(value(text, "choria_asyncjobs_http_event_streams")).toBe(0);
  expect(value(text, "choria_asyncjobs_http_waiters")).toBe(0);

  // Concurrent listings: each one turned away is counted (which overlap is up to timing, so the
  // count is compared with the 429s the clients saw).
  const before = value(text, "choria_asyncjobs_http_rejected_count", { reason: "list_in_progress" });
  let refused = 0;
  for (let round = 0; round < 20 && refused === 0; round++) {
    const rs = await Promise.all([1, 2, 3, 4].map(() => fetch(`${url}/v1/tasks?stream=ndjson`)));
    for (const r of rs) {
      if (r.status === 429) refused++;
      await r.arrayBuffer();
    }
  }
  expect(refused).toBeGreaterThan(0);
  const after = await scrape();
  expect(value(after, "choria_asyncjobs_http_rejected_count", { reason: "list_in_progress" }) - before).toBe(
    refused,
  );
  expect(
    value(after, "choria_asyncjobs_http_request_count", { route: "/v1/tasks", method: "GET", code: "429" }),
  ).toBe(value(after, "choria_asyncjobs_http_rejected_count", { reason: "list_in_progress" }));
});

test("the NATS connection state follows the server", async () => {
  expect(value(await scrape(), "choria_asyncjobs_http_nats_connected")).toBe(1);
  await nats.stop();
  try {
    let text = await scrape();
    for (let i = 0; i < 200 && value(text, "choria_asyncjobs_http_nats_connected") !== 0; i++) {
      await Bun.sleep(50);
      text = await scrape();
    }
    expect(value(text, "choria_asyncjobs_http_nats_connected")).toBe(0);
  } finally {
    await nats.start();
  }
  let text = await scrape();
  for (let i = 0; i < 300 && value(text, "choria_asyncjobs_http_nats_connected") !== 1; i++) {
    await Bun.sleep(50);
    text = await scrape();
  }
  expect(value(text, "choria_asyncjobs_http_nats_connected")).toBe(1);
});

describe("off by default", () => {
  test("without --monitor nothing listens for metrics, and the API has no /metrics", async () => {
    const port = await freePort();
    const plain = spawnAjc(["server", "run", "--queue", "MQ", "--bind", `127.0.0.1:${port}`], {
      env: { NATS_URL: nats.url },
    });
    try {
      await plain.waitFor("listening on");
      expect(plain.output()).not.toContain("metrics");
      expect((await fetch(`http://127.0.0.1:${port}/metrics`)).status).toBe(404);
      const bad = await runAjc(["server", "run", "--queue", "MQ", "--monitor", "nope"], {
        env: { NATS_URL: nats.url },
      });
      expect(bad.code).not.toBe(0);
      expect(bad.stderr).toContain("--monitor must be PORT or HOST:PORT");
    } finally {
      await plain.stop("SIGKILL");
    }
  });
});
