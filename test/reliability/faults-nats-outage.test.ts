/**
 * Faults: NATS (file storage) stopped for 10 seconds and started again under the compiled server
 * while clients enqueue at a steady rate. Nothing acknowledged may be lost, nothing refused with a
 * 4xx may be stored, no request may hang, and the server recovers without a restart.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { Client } from "../../src/client.ts";
import { ajcBinary, runAjc } from "../helpers/binary.ts";
import { freezeNats } from "../helpers/freeze.ts";
import { type NatsServer, startNats } from "../helpers/nats.ts";
import {
  account,
  enqueueLoad,
  report,
  resendUnanswered,
  ServerProcess,
  timedCall,
  until,
} from "../helpers/reliability.ts";

/**
 * A 5xx other than the two a NATS outage may give: 503 `storage_not_ready` (refused, nothing done)
 * and 504 `storage_timeout` (cut off at the write timeout, outcome unknown).
 */
function unexpected5xx(o: { status: number; body?: { error?: { details?: { reason?: string } } } }): boolean {
  if (o.status === 503) return false;
  if (o.status === 504) return o.body?.error?.details?.reason !== "storage_timeout";
  return o.status >= 500;
}

/** The server's --write-timeout: no answer may take longer (plus scheduling slack). */
const WRITE_TIMEOUT_MS = 5_000;
const BOUND_MS = WRITE_TIMEOUT_MS + 1_500;
const OUTAGE_MS = 10_000;

let nats: NatsServer;
let server: ServerProcess;
let client: Client;

beforeAll(async () => {
  ajcBinary();
  nats = await startNats();
  expect(
    (await runAjc(["queue", "add", "EMAIL", "--run-time", "1h"], { env: { NATS_URL: nats.url } })).code,
  ).toBe(0);
  server = await ServerProcess.start(nats.url, [
    "--queue",
    "EMAIL",
    "--write-timeout",
    `${WRITE_TIMEOUT_MS}ms`,
  ]);
});
afterAll(async () => {
  await client?.close().catch(() => {});
  await server?.kill9();
  await nats?.close();
});

test("NATS down for 10s under steady enqueueing: 503s meanwhile, nothing hangs, nothing acknowledged is lost", async () => {
  const pid = server.pid;
  const load = enqueueLoad({
    url: () => server.url,
    run: "outage",
    type: "load",
    clients: 5,
    perClientRate: 10,
    maxSeconds: 40,
    timeoutMs: 15_000,
    invalid: true,
  });
  await Bun.sleep(3_000);
  const downAt = Date.now();
  await nats.stop();
  // Readiness and the probes while NATS is away, alongside the load.
  await until("/readyz to turn 503", async () => (await server.call("GET", "/readyz")).status === 503, 5_000);
  expect((await server.call("GET", "/healthz")).status).toBe(200);
  await Bun.sleep(OUTAGE_MS - (Date.now() - downAt));
  await nats.start();
  const upAt = Date.now();
  await until(
    "/readyz to turn 200",
    async () => (await server.call("GET", "/readyz")).status === 200,
    20_000,
  );
  const recoveredMs = Date.now() - upAt;
  await Bun.sleep(3_000);
  await load.stop();

  // The same process served throughout: it recovered by itself.
  expect(server.pid).toBe(pid);
  expect(server.running).toBe(true);
  expect(server.output()).toContain("NATS disconnected");
  expect(server.output()).toContain("NATS reconnected");

  // During the outage every refusal was the 503 envelope (or, for a request already waiting on
  // NATS when it went, the 504 of the write timeout), quickly.
  const during = load.records.flatMap((e) => e.attempts).filter(unexpected5xx);
  expect(during).toEqual([]);
  const refusals = load.records.flatMap((e) => e.attempts).filter((o) => o.status === 503);
  expect(refusals.length).toBeGreaterThan(0);
  for (const o of refusals) {
    expect(o.body?.error?.code).toBe("unavailable");
    expect(o.body?.error?.details?.reason).toBe("storage_not_ready");
  }
  const firstAttempts = load.records.map((e) => e.attempts[0]!);
  const before = firstAttempts.filter((o) => o.status === 201).length;

  // Clients send every unanswered request again with its key, now that NATS is back.
  const resent = await resendUnanswered(server.url, load.records);
  client = await Client.connect({ connection: { servers: nats.url } });
  const a = await account(client, "EMAIL", "load", load.records);
  report("NATS outage under load (5 clients x 10/s, NATS down 10s)", {
    ...a,
    acknowledgedFirstTime: before,
    resent,
    recoveredMs,
  });
  expect(a.lost).toBe(0);
  expect(a.storedDespite4xx).toBe(0);
  expect(a.hung).toBe(0);
  expect(a.contractErrors).toBe(0);
  expect(a.noAnswer).toBe(0);
  expect(a.maxMs).toBeLessThan(BOUND_MS);
  expect(a.wrong4xx).toBe(0);
  expect(a.rejected4xx).toBe(a.invalidSent);
  expect(a.acknowledged).toBe(a.requests - a.invalidSent);
  expect(a.refused5xx).toBeGreaterThan(50);

  // And it serves normally afterwards.
  const after = await timedCall(server.url, "POST", "/v1/tasks", { json: { type: "after" } });
  expect(after.status).toBe(201);
}, 90_000);

test("NATS frozen (SIGSTOP) for 8s under steady enqueueing: answers within the write timeout, nothing acknowledged is lost", async () => {
  const pid = server.pid;
  const load = enqueueLoad({
    url: () => server.url,
    run: "freeze",
    type: "frozen",
    clients: 5,
    perClientRate: 10,
    maxSeconds: 40,
    timeoutMs: 15_000,
    invalid: true,
  });
  await Bun.sleep(2_000);
  const thaw = freezeNats(nats.port);
  try {
    await Bun.sleep(8_000);
  } finally {
    thaw();
  }
  await until(
    "/readyz to turn 200",
    async () => (await server.call("GET", "/readyz")).status === 200,
    20_000,
  );
  await Bun.sleep(3_000);
  await load.stop();
  expect(server.pid).toBe(pid);

  const other5xx = load.records.flatMap((e) => e.attempts).filter(unexpected5xx);
  expect(other5xx).toEqual([]);
  const resent = await resendUnanswered(server.url, load.records);
  client ??= await Client.connect({ connection: { servers: nats.url } });
  const a = await account(client, "EMAIL", "frozen", load.records);
  report("NATS frozen under load (5 clients x 10/s, SIGSTOP 8s)", { ...a, resent });
  expect(a.lost).toBe(0);
  expect(a.storedDespite4xx).toBe(0);
  expect(a.hung).toBe(0);
  expect(a.contractErrors).toBe(0);
  expect(a.noAnswer).toBe(0);
  expect(a.maxMs).toBeLessThan(BOUND_MS);
  expect(a.wrong4xx).toBe(0);
  expect(a.rejected4xx).toBe(a.invalidSent);
  expect(a.acknowledged).toBe(a.requests - a.invalidSent);
}, 90_000);

test("NATS killed (SIGKILL) under steady enqueueing and started again: nothing acknowledged is lost", async () => {
  const pid = server.pid;
  const load = enqueueLoad({
    url: () => server.url,
    run: "natskill",
    type: "natskill",
    clients: 5,
    perClientRate: 10,
    maxSeconds: 40,
    timeoutMs: 15_000,
    invalid: true,
  });
  await Bun.sleep(2_000);
  await nats.stop(true);
  await Bun.sleep(3_000);
  await nats.start();
  await until(
    "/readyz to turn 200",
    async () => (await server.call("GET", "/readyz")).status === 200,
    20_000,
  );
  await Bun.sleep(2_000);
  await load.stop();
  expect(server.pid).toBe(pid);

  const other5xx = load.records.flatMap((e) => e.attempts).filter(unexpected5xx);
  expect(other5xx).toEqual([]);
  const resent = await resendUnanswered(server.url, load.records);
  client ??= await Client.connect({ connection: { servers: nats.url } });
  const a = await account(client, "EMAIL", "natskill", load.records);
  report("NATS killed (SIGKILL) under load (5 clients x 10/s, down 3s)", { ...a, resent });
  expect(a.lost).toBe(0);
  expect(a.storedDespite4xx).toBe(0);
  expect(a.hung).toBe(0);
  expect(a.contractErrors).toBe(0);
  expect(a.noAnswer).toBe(0);
  expect(a.maxMs).toBeLessThan(BOUND_MS);
  expect(a.wrong4xx).toBe(0);
  expect(a.rejected4xx).toBe(a.invalidSent);
  expect(a.acknowledged).toBe(a.requests - a.invalidSent);
}, 90_000);
