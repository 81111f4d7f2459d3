/**
 * Slow clients against the compiled binary (--read-timeout 1s; the 5s header timeout is fixed):
 * heads dribbled byte by byte and bodies that stall or trickle are cut off by the timeouts, and a
 * hundred of them at once do not starve normal requests, which keep a bounded latency meanwhile.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { connect, type Socket } from "node:net";
import { Client } from "../../src/client.ts";
import { type AjcProcess, ajcBinary, spawnAjc } from "../helpers/binary.ts";
import { canary, expectNoCanaries } from "../helpers/hostile.ts";
import { caller } from "../helpers/http.ts";
import { freePort, type NatsServer, startNats } from "../helpers/nats.ts";

const READ_TIMEOUT_MS = 1_000;
const HEADER_TIMEOUT_MS = 5_000;
const SECRET = canary("slow");

let nats: NatsServer;
let server: AjcProcess;
let port: number;
let call: ReturnType<typeof caller>;

beforeAll(async () => {
  ajcBinary();
  nats = await startNats();
  const c = await Client.connect({ connection: { servers: nats.url } });
  await c.createQueue({ name: "EMAIL", max_runtime: "1h" });
  await c.close();
  port = await freePort();
  server = spawnAjc(
    [
      "server",
      "run",
      "--queue",
      "EMAIL",
      "--bind",
      `127.0.0.1:${port}`,
      "--read-timeout",
      `${READ_TIMEOUT_MS}ms`,
    ],
    { env: { NATS_URL: nats.url } },
  );
  await server.waitFor("listening on");
  call = caller(`http://127.0.0.1:${port}`);
});
afterAll(async () => {
  await server?.stop("SIGKILL");
  await nats?.close();
});

interface Slow {
  /** Resolves once connected (and the head, if any, written). */
  connected: Promise<void>;
  /** Resolves with ms from connect to the server's close (Infinity if it never closed) and what came back. */
  done: Promise<{ ms: number; received: string }>;
}

/** A client that sends `head` at once, then `trickle` one byte every `everyMs` (looping), until closed. */
function slowClient(head: string, trickle: string, everyMs: number, capMs = 10_000): Slow {
  const t0 = Date.now();
  let onConnect = () => {};
  const connected = new Promise<void>((resolve) => {
    onConnect = resolve;
  });
  const done = new Promise<{ ms: number; received: string }>((resolve) => {
    let received = "";
    let i = 0;
    let iv: ReturnType<typeof setInterval> | undefined;
    const s: Socket = connect(port, "127.0.0.1", () => {
      if (head) s.write(head);
      onConnect();
      if (trickle) {
        iv = setInterval(() => {
          if (!s.destroyed) s.write(trickle[i++ % trickle.length]!);
        }, everyMs);
      }
    });
    const cap = setTimeout(() => {
      s.destroy();
      resolve({ ms: Number.POSITIVE_INFINITY, received });
    }, capMs);
    s.on("data", (d) => {
      received += d.toString("latin1");
    });
    s.on("error", () => {});
    s.on("close", () => {
      clearInterval(iv);
      clearTimeout(cap);
      onConnect(); // refused or closed before connecting: nothing to wait for
      resolve({ ms: Date.now() - t0, received });
    });
  });
  return { connected, done };
}

const HEAD = `POST /v1/tasks HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${SECRET}\r\nX-Slow: ${"s".repeat(200)}\r\n\r\n`;
const body = JSON.stringify({ type: "slow", payload: { secret: SECRET, pad: "p".repeat(500) } });
const bodyHead = `POST /v1/tasks HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`;
const chunkedHead =
  "POST /v1/tasks HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n";

test("the fixed 5s header timeout: a silent connection, a partial head, a head dribbled byte by byte", async () => {
  const [silent, partial, dribbled] = await Promise.all([
    slowClient("", "", 0).done,
    slowClient("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n", "", 0).done,
    slowClient("", HEAD, 50).done,
  ]);
  for (const r of [silent, partial, dribbled]) {
    expect(r.ms).toBeGreaterThanOrEqual(HEADER_TIMEOUT_MS - 500);
    expect(r.ms).toBeLessThan(HEADER_TIMEOUT_MS + 2_000);
    expect(r.received).toBe("");
  }
});

test("bodies that stall or trickle are cut off at the read timeout", async () => {
  const results = await Promise.all([
    // Half a body, then nothing.
    slowClient(`${bodyHead}${body.slice(0, 20)}`, "", 0).done,
    // A body trickled a byte every 100ms: every byte is on time, the whole is not.
    slowClient(bodyHead, body, 100).done,
    // A chunked body that stops in the middle of a chunk.
    slowClient(`${chunkedHead}100\r\n${"x".repeat(10)}`, "", 0).done,
    // Chunks that keep coming, slowly.
    slowClient(chunkedHead, "1\r\nx\r\n", 30).done,
  ]);
  for (const r of results) {
    expect(r.ms).toBeGreaterThanOrEqual(READ_TIMEOUT_MS - 200);
    expect(r.ms).toBeLessThan(READ_TIMEOUT_MS + 1_500);
    expect(r.received).not.toMatch(/^HTTP\/1\.1 2/);
  }
});

test("100 slow clients at once do not starve normal requests", async () => {
  const slow: Slow[] = [];
  for (let i = 0; i < 100; i++) {
    if (i % 4 === 0) slow.push(slowClient("", HEAD, 100));
    else if (i % 4 === 1) slow.push(slowClient(bodyHead, body, 100));
    else if (i % 4 === 2) slow.push(slowClient("GET /v1/info HTTP/1.1\r\n", "", 0));
    else slow.push(slowClient(chunkedHead, "1\r\nx\r\n", 50));
  }
  // All of them connected (not a guess of how long that takes) before normal traffic starts.
  await Promise.all(slow.map((s) => s.connected));
  // Normal traffic while they hang: health, enqueue, read back.
  const latencies: number[] = [];
  const deadline = Date.now() + 3_000;
  let ok = 0;
  while (Date.now() < deadline) {
    for (const step of ["health", "create", "get"] as const) {
      const t = performance.now();
      if (step === "health") {
        expect((await call("GET", "/healthz")).status).toBe(200);
      } else if (step === "create") {
        const r = await call("POST", "/v1/tasks", { json: { type: "normal" } });
        expect(r.status).toBe(201);
        const got = await call("GET", `/v1/tasks/${r.body.id}`);
        expect(got.status).toBe(200);
      }
      latencies.push(performance.now() - t);
      ok++;
    }
  }
  latencies.sort((a, b) => a - b);
  const p95 = latencies[Math.floor(latencies.length * 0.95)]!;
  const max = latencies[latencies.length - 1]!;
  console.log(
    `hostile-slow: ${ok} normal requests beside 100 slow clients, p95 ${p95.toFixed(1)}ms, max ${max.toFixed(1)}ms`,
  );
  expect(ok).toBeGreaterThan(50);
  expect(p95).toBeLessThan(250);
  expect(max).toBeLessThan(1_000);
  // And every slow client was cut off by a timeout, none answered with a success.
  const results = await Promise.all(slow.map((s) => s.done));
  for (const r of results) {
    expect(r.ms).toBeLessThan(HEADER_TIMEOUT_MS + 2_000);
    expect(r.received).not.toMatch(/^HTTP\/1\.1 2/);
  }
});

test("the server is still well, and its log holds none of what the slow clients sent", async () => {
  expect(server.proc.exitCode).toBeNull();
  expect((await call("GET", "/readyz")).status).toBe(200);
  // The log is written in batches: once this last request's line is there, every earlier one is.
  expect((await call("GET", "/v1/tasks/hostile-slow-last")).status).toBe(404);
  await server.waitFor("path=/v1/tasks/hostile-slow-last status=404", 5_000);
  expectNoCanaries(server.output(), [SECRET]);
});
