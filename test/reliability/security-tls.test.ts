/**
 * mTLS through the compiled binary with certificates made at test time: only a client certificate
 * from the configured CA, valid and meant for clients, gets a request to a handler. Every other
 * client sees a TLS failure and leaves no request line in the server's log (each tries to send a
 * request with canaries in its body and Authorization header, which must not show up either).
 * TLS below 1.2 is refused, and a client that never completes a handshake is cut off at the fixed
 * 5s header timeout.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { connect } from "node:net";
import { connect as tlsConnect } from "node:tls";
import { Client } from "../../src/client.ts";
import { type AjcProcess, ajcBinary, spawnAjc } from "../helpers/binary.ts";
import { makeCerts, type TestCerts } from "../helpers/certs.ts";
import {
  type BadClientCerts,
  canary,
  expectNoCanaries,
  makeBadClientCerts,
  rawRequest,
} from "../helpers/hostile.ts";
import { freePort, type NatsServer, startNats } from "../helpers/nats.ts";
import { validateResponse } from "../helpers/openapi.ts";
import { until } from "../helpers/reliability.ts";

let nats: NatsServer;
let certs: TestCerts;
let bad: BadClientCerts;
let server: AjcProcess;
let port: number;
const SECRET = canary("tlsbody");
const AUTH = canary("tlsauth");

beforeAll(async () => {
  ajcBinary();
  certs = makeCerts();
  bad = makeBadClientCerts(certs.dir);
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
      "--tls-cert",
      certs.server.cert,
      "--tls-key",
      certs.server.key,
      "--tls-client-ca",
      certs.ca,
    ],
    { env: { NATS_URL: nats.url } },
  );
  await server.waitFor(`listening on 127.0.0.1:${port} (mtls)`);
});
afterAll(async () => {
  await server?.stop("SIGKILL");
  await nats?.close();
  certs?.remove();
});

const requestLines = () =>
  server
    .output()
    .split("\n")
    .filter((l) => / request method=/.test(l)).length;

const request = (body: string) =>
  `POST /v1/tasks HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${AUTH}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;

const tlsWith = (pair?: { cert: string; key: string }) => ({
  ca: certs.read(certs.ca),
  ...(pair ? { cert: certs.read(pair.cert), key: certs.read(pair.key) } : {}),
});

test("a client certificate from the CA, meant for clients, reaches the handlers", async () => {
  const before = requestLines();
  const a = await rawRequest(port, request(JSON.stringify({ type: "tls:ok" })), {
    tls: tlsWith(certs.client),
  });
  expect(a.status).toBe(201);
  validateResponse({
    method: "POST",
    path: "/v1/tasks",
    status: 201,
    contentType: a.headers["content-type"],
    body: a.body,
  });
  // The log is written in batches: wait for the line rather than for a while.
  await until("the request's log line", async () => requestLines() > before, 5_000);
  expect(requestLines()).toBe(before + 1);
});

test("no certificate, expired, another CA, server-only, a CA look-alike, signed by a leaf: no request reaches a handler", async () => {
  const before = requestLines();
  const cases: [string, { cert: string; key: string } | undefined][] = [
    ["no certificate", undefined],
    ["expired", bad.expired],
    ["another CA", certs.stranger],
    ["serverAuth only", bad.serverOnly],
    ["self-signed with the CA's name", bad.lookAlike],
    ["signed by a leaf", bad.byLeaf],
  ];
  for (const [what, pair] of cases) {
    for (const maxVersion of ["TLSv1.3", "TLSv1.2"] as const) {
      const body = JSON.stringify({ type: "tls:bad", payload: { secret: SECRET } });
      const a = await rawRequest(port, request(body), {
        tls: { ...tlsWith(pair), maxVersion },
        timeoutMs: 5_000,
      });
      // The client sees the TLS failure (with TLS 1.3 it may have sent its request already: unread).
      expect({ what, maxVersion, status: a.status, timedOut: a.timedOut }).toEqual({
        what,
        maxVersion,
        status: 0,
        timedOut: false,
      });
      expect({ what, error: a.error ?? "closed" }).toMatchObject({
        what,
        error: expect.stringMatching(/SSL|TLS|ECONNRESET|EPIPE|closed|socket/i),
      });
    }
  }
  // Plain HTTP on the TLS port gets nowhere either.
  const plain = await rawRequest(port, request(JSON.stringify({ secret: SECRET })), { timeoutMs: 5_000 });
  expect(plain.status).toBe(0);
  // A good request last: once its line is in the log, a line of any refused one would be too.
  const good = await rawRequest(port, request(JSON.stringify({ type: "tls:after" })), {
    tls: tlsWith(certs.client),
  });
  expect(good.status).toBe(201);
  await until("the good request's log line", async () => requestLines() > before, 5_000);
  expect(requestLines()).toBe(before + 1);
});

test("TLS 1.1 and 1.0 are refused by the server (protocol_version alert)", async () => {
  for (const v of ["TLSv1.1", "TLSv1"] as const) {
    const a = await rawRequest(port, request("{}"), {
      tls: { ...tlsWith(certs.client), minVersion: v, maxVersion: v },
      timeoutMs: 5_000,
    });
    expect(a.status).toBe(0);
    expect(a.error).toMatch(/PROTOCOL_VERSION|UNSUPPORTED_PROTOCOL|NO_PROTOCOLS|WRONG_VERSION/i);
  }
  // openssl's client, allowed to offer TLS 1.1 only: the server answers with an alert.
  const s = Bun.spawn(
    [
      "openssl",
      "s_client",
      "-connect",
      `127.0.0.1:${port}`,
      "-tls1_1",
      "-cipher",
      "DEFAULT@SECLEVEL=0",
      "-CAfile",
      certs.ca,
      "-cert",
      certs.client.cert,
      "-key",
      certs.client.key,
    ],
    { stdin: "ignore", stdout: "pipe", stderr: "pipe" },
  );
  const timer = setTimeout(() => s.kill("SIGKILL"), 10_000);
  const [out, err, code] = await Promise.all([
    new Response(s.stdout).text(),
    new Response(s.stderr).text(),
    s.exited,
  ]);
  clearTimeout(timer);
  expect(code).not.toBe(0);
  expect(`${out}${err}`).toMatch(
    /alert protocol version|no protocols available|unsupported protocol|wrong version/i,
  );
  // No session came of it (openssl prints the protocol it tried even then).
  expect(out).toMatch(/Cipher is \(NONE\)/);
});

test("a client that never completes a handshake is cut off at the 5s header timeout", async () => {
  const t0 = Date.now();
  const closedAfter = (start: (s: import("node:net").Socket) => void) =>
    new Promise<number>((resolve) => {
      const s = connect(port, "127.0.0.1", () => start(s));
      s.on("error", () => {});
      s.on("close", () => resolve(Date.now() - t0));
      setTimeout(() => {
        s.destroy();
        resolve(Number.POSITIVE_INFINITY);
      }, 9_000);
    });
  const [silent, partial, dribble, tlsIdle] = await Promise.all([
    closedAfter(() => {}),
    // The start of a ClientHello, then nothing.
    closedAfter((s) => s.write(Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc]))),
    // A ClientHello dribbled a byte every 300ms.
    closedAfter((s) => {
      s.write(Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00]));
      const iv = setInterval(() => (s.destroyed ? clearInterval(iv) : s.write(Buffer.from([0x01]))), 300);
    }),
    // A complete handshake, then no request head: the HTTP header timeout.
    new Promise<number>((resolve) => {
      const s = tlsConnect({ port, host: "127.0.0.1", servername: "localhost", ...tlsWith(certs.client) });
      s.on("error", () => {});
      s.on("close", () => resolve(Date.now() - t0));
      setTimeout(() => {
        s.destroy();
        resolve(Number.POSITIVE_INFINITY);
      }, 9_000);
    }),
  ]);
  for (const ms of [silent, partial, dribble, tlsIdle]) {
    expect(ms).toBeGreaterThanOrEqual(4_500);
    expect(ms).toBeLessThan(7_000);
  }
});

test("the server's whole log holds none of the canaries", async () => {
  const before = requestLines();
  // One more good request that carries them, so they were in front of the server for sure.
  const a = await rawRequest(port, request(JSON.stringify({ type: "tls:canary", payload: SECRET })), {
    tls: tlsWith(certs.client),
  });
  expect(a.status).toBe(201);
  expect(server.proc.exitCode).toBeNull();
  // The log is written in batches: the request's own line shows it is all there.
  await until("this request's log line", async () => requestLines() > before, 5_000);
  expectNoCanaries(server.output(), [SECRET, AUTH]);
});
