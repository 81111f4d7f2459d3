/**
 * Property-based fuzzing of every endpoint against an in-process server on real NATS: thousands of
 * generated requests (test/helpers/fuzz.ts), through fetch and as raw bytes on a socket. Every
 * answer must be a valid success or error envelope with a status api/openapi.yaml allows for the
 * operation (or the envelope of a request the HTTP parser refused), never a 5xx, never a hang; the
 * log must hold no canary and no unexpected failure; and afterwards the server works normally.
 *
 * Reproduce a run with AJC_FUZZ_SEED=<seed printed below>; AJC_FUZZ_SCALE=10 runs ten times more.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import fc from "fast-check";
import { makeCerts } from "../helpers/certs.ts";
import {
  fetchRequests,
  fuzzAssert,
  fuzzRuns,
  fuzzSeed,
  nastyString,
  pathNames,
  rawRequests,
} from "../helpers/fuzz.ts";
import { answerProblem, canary, expectNoCanaries, type RawAnswer, rawRequest } from "../helpers/hostile.ts";
import { type ApiEnv, startApi } from "../helpers/http.ts";

const SEED = fuzzSeed("hostile-fuzz");
const FETCH_RUNS = fuzzRuns(1_700);
const RAW_RUNS = fuzzRuns(600);
const TLS_RUNS = fuzzRuns(200);
/** The TLS server's read timeout: what cuts off a body that never arrives. */
const TLS_READ_TIMEOUT_MS = 1_500;
/** No single request may take longer than this (the server's write timeout is 10s). */
const REQUEST_BOUND_MS = 12_000;
const HOME = "FUZZHOME";
const AUTH = canary("auth");
const SECRET = canary("secret");

let api: ApiEnv;
const fixtures: string[] = [];
const statuses = new Map<number, number>();
let sent = 0;

beforeAll(async () => {
  api = await startApi({ server: { queue: HOME, maxBodyBytes: 64 * 1024, writeTimeoutMs: 10_000 } });
  // Things that exist, so generated requests reach the found paths too.
  await api.client.createQueue({ name: "fz-q", max_runtime: "1h" });
  for (let i = 0; i < 3; i++) {
    const r = await api.call("POST", "/v1/tasks", { json: { type: "fz", id: `fz-t${i}` } });
    expect(r.status).toBe(201);
    fixtures.push(r.body.id);
  }
  const s = await api.call("POST", "/v1/schedules", {
    json: { name: "fz-s", schedule: "@every 1h", queue: HOME, task_type: "fz" },
  });
  expect(s.status).toBe(201);
  fixtures.push("fz-q", "fz-s");
});
afterAll(() => api?.close());

const names = fc.oneof(
  { arbitrary: nastyString, weight: 4 },
  { arbitrary: fc.constantFrom(...["fz-t0", "fz-t1", "fz-t2", "fz-q", "fz-s"]), weight: 1 },
);

function count(status: number) {
  sent++;
  statuses.set(status, (statuses.get(status) ?? 0) + 1);
}

/** Never let a request destroy the queue the server itself sends to. */
const touchesHome = (target: string) => pathNames(target, HOME);

async function viaFetch(method: string, target: string, headers: Record<string, string>, body?: Uint8Array) {
  const url = `${api.url}${target}`;
  let req: Request;
  try {
    req = new Request(url, { method, headers, body });
  } catch {
    return undefined; // fetch itself refuses to send this: nothing reached the server
  }
  const started = performance.now();
  try {
    const res = await fetch(req, { signal: AbortSignal.timeout(REQUEST_BOUND_MS), redirect: "manual" });
    const text = await res.text();
    const a: RawAnswer = {
      status: res.status,
      headers: Object.fromEntries(res.headers),
      body: text,
      closed: false,
      timedOut: false,
      ms: performance.now() - started,
    };
    return { path: new URL(url).pathname, answer: a };
  } catch (err) {
    const e = err as Error;
    const timedOut = e.name === "TimeoutError" || e.name === "AbortError";
    return {
      path: new URL(url).pathname,
      answer: {
        status: 0,
        headers: {},
        body: "",
        closed: true,
        timedOut,
        ms: performance.now() - started,
        error: e.message,
      },
    };
  }
}

const params = (runs: number): fc.Parameters<unknown> & { seed: number } => ({
  seed: SEED,
  numRuns: runs,
  interruptAfterTimeLimit: 100_000,
  markInterruptAsFailure: true,
});

test(`fetch: ${FETCH_RUNS} generated requests over every endpoint keep the contract`, async () => {
  await fuzzAssert(
    fc.asyncProperty(fetchRequests({ names, auth: AUTH, secret: SECRET }), async (spec) => {
      fc.pre(!(spec.method === "DELETE" && touchesHome(spec.target)));
      const r = await viaFetch(spec.method, spec.target, spec.headers, spec.body);
      fc.pre(r !== undefined);
      count(r!.answer.status);
      const problem = answerProblem(spec.method, r!.path, r!.answer);
      if (problem) throw new Error(`${spec.method} ${spec.target}: ${problem}`);
    }),
    params(FETCH_RUNS),
  );
}, 200_000);

test(`raw: ${RAW_RUNS} generated requests with hostile bytes and framing are answered in the envelope`, async () => {
  await fuzzAssert(
    fc.asyncProperty(rawRequests({ names, auth: AUTH, secret: SECRET }), async (spec) => {
      fc.pre(!(spec.method === "DELETE" && touchesHome(spec.path)));
      const a = await rawRequest(api.server.port, spec.bytes, {
        timeoutMs: REQUEST_BOUND_MS,
        head: spec.method === "HEAD",
      });
      count(a.status);
      const problem = answerProblem(spec.method, spec.path, a);
      if (problem)
        throw new Error(`${JSON.stringify(spec.bytes.subarray(0, 300).toString("latin1"))}: ${problem}`);
    }),
    params(RAW_RUNS),
  );
}, 200_000);

test(`raw over mTLS: ${TLS_RUNS} generated requests through the TLS listener are answered in the envelope`, async () => {
  const certs = makeCerts();
  const secure = await startApi({
    nats: api.nats,
    server: {
      queue: HOME,
      maxBodyBytes: 64 * 1024,
      writeTimeoutMs: 10_000,
      readTimeoutMs: TLS_READ_TIMEOUT_MS,
      tls: { cert: certs.server.cert, key: certs.server.key, clientCa: certs.ca },
    },
  });
  const tls = {
    ca: certs.read(certs.ca),
    cert: certs.read(certs.client.cert),
    key: certs.read(certs.client.key),
  };
  try {
    await fuzzAssert(
      fc.asyncProperty(rawRequests({ names, auth: AUTH, secret: SECRET }), async (spec) => {
        fc.pre(!(spec.method === "DELETE" && touchesHome(spec.path)));
        const a = await rawRequest(secure.server.port, spec.bytes, {
          timeoutMs: REQUEST_BOUND_MS,
          head: spec.method === "HEAD",
          tls,
        });
        count(a.status);
        // Bun's parser for TLS connections reports no error for a malformed body of a request
        // that carries Upgrade: the body just never arrives, and the read timeout cuts the
        // request off as it does a stalled body (hostile-slow.test.ts). That, and only that, is
        // accepted here without an answer.
        const upgrade = /\r\nupgrade:/i.test(spec.bytes.toString("latin1"));
        if (upgrade && a.status === 0 && a.closed && a.ms >= TLS_READ_TIMEOUT_MS - 250) return;
        const problem = answerProblem(spec.method, spec.path, a);
        if (problem)
          throw new Error(`${JSON.stringify(spec.bytes.subarray(0, 300).toString("latin1"))}: ${problem}`);
      }),
      params(TLS_RUNS),
    );
    expect(secure.logs.filter((l) => l.startsWith("ERRO"))).toEqual([]);
    expectNoCanaries(secure.logs.join("\n"), [AUTH, SECRET]);
  } finally {
    await secure.close();
    certs.remove();
  }
}, 200_000);

test("afterwards the server serves normally; the log holds no canary and no failure", async () => {
  console.log(
    `hostile-fuzz: ${sent} requests, seed ${SEED}, statuses ${JSON.stringify(Object.fromEntries([...statuses].sort()))}`,
  );
  expect(sent).toBeGreaterThanOrEqual(Math.min(2_000, FETCH_RUNS + RAW_RUNS + TLS_RUNS));
  expect((await api.call("GET", "/healthz")).status).toBe(200);
  expect((await api.call("GET", "/readyz")).status).toBe(200);
  const created = await api.call("POST", "/v1/tasks", {
    json: { type: "after:fuzz", payload: { ok: true } },
  });
  expect(created.status).toBe(201);
  const got = await api.call("GET", `/v1/tasks/${created.body.id}`);
  expect(got.status).toBe(200);
  expect(got.body).toMatchObject({ id: created.body.id, type: "after:fuzz", queue: HOME });
  expect(api.logs.filter((l) => l.startsWith("ERRO"))).toEqual([]);
  expectNoCanaries(api.logs.join("\n"), [AUTH, SECRET]);
});
