/**
 * A shorter fuzzing pass (test/helpers/fuzz.ts) against the compiled binary, the way it ships:
 * same contract checks as hostile-fuzz.test.ts, the process never dies, it serves normally after,
 * and its whole log output holds none of the canaries that the requests carried in bodies, payloads,
 * query strings, Authorization and Idempotency-Key headers.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import fc from "fast-check";
import { Client } from "../../src/client.ts";
import { type AjcProcess, ajcBinary, spawnAjc } from "../helpers/binary.ts";
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
import { caller } from "../helpers/http.ts";
import { freePort, type NatsServer, startNats } from "../helpers/nats.ts";

const SEED = fuzzSeed("hostile-fuzz-binary");
const FETCH_RUNS = fuzzRuns(300);
const RAW_RUNS = fuzzRuns(100);
const BOUND_MS = 12_000;
const AUTH = canary("bauth");
const SECRET = canary("bsecret");
const KEY = canary("bkey");

let nats: NatsServer;
let server: AjcProcess;
let url: string;
let port: number;
let sent = 0;

beforeAll(async () => {
  ajcBinary();
  nats = await startNats();
  const c = await Client.connect({ connection: { servers: nats.url } });
  await c.createQueue({ name: "FUZZHOME", max_runtime: "1h" });
  await c.close();
  port = await freePort();
  url = `http://127.0.0.1:${port}`;
  server = spawnAjc(
    [
      "server",
      "run",
      "--queue",
      "FUZZHOME",
      "--bind",
      `127.0.0.1:${port}`,
      "--max-body",
      "65536",
      "--write-timeout",
      "10s",
    ],
    { env: { NATS_URL: nats.url } },
  );
  await server.waitFor("listening on");
});
afterAll(async () => {
  await server?.stop("SIGKILL");
  await nats?.close();
});

const names = fc.oneof(
  { arbitrary: nastyString, weight: 4 },
  { arbitrary: fc.constantFrom("fz-a", "fz-b"), weight: 1 },
);
const params = (runs: number): fc.Parameters<unknown> & { seed: number } => ({
  seed: SEED,
  numRuns: runs,
  interruptAfterTimeLimit: 60_000,
  markInterruptAsFailure: true,
});
const touchesHome = (p: string) => pathNames(p, "FUZZHOME");

test(`fetch: ${FETCH_RUNS} generated requests against the binary keep the contract`, async () => {
  await fuzzAssert(
    fc.asyncProperty(
      fetchRequests({ names, auth: AUTH, secret: SECRET }),
      fc.boolean(),
      async (spec, withKey) => {
        fc.pre(!(spec.method === "DELETE" && touchesHome(spec.target)));
        const headers = withKey ? { ...spec.headers, "idempotency-key": KEY } : spec.headers;
        let req: Request;
        try {
          req = new Request(`${url}${spec.target}`, { method: spec.method, headers, body: spec.body });
        } catch {
          fc.pre(false);
          return;
        }
        const started = performance.now();
        let a: RawAnswer;
        try {
          const res = await fetch(req, { signal: AbortSignal.timeout(BOUND_MS), redirect: "manual" });
          a = {
            status: res.status,
            headers: Object.fromEntries(res.headers),
            body: await res.text(),
            closed: false,
            timedOut: false,
            ms: performance.now() - started,
          };
        } catch (err) {
          const e = err as Error;
          a = {
            status: 0,
            headers: {},
            body: "",
            closed: true,
            timedOut: e.name === "TimeoutError",
            ms: 0,
            error: e.message,
          };
        }
        sent++;
        const problem = answerProblem(spec.method, new URL(req.url).pathname, a);
        if (problem) throw new Error(`${spec.method} ${spec.target}: ${problem}`);
      },
    ),
    params(FETCH_RUNS),
  );
}, 120_000);

test(`raw: ${RAW_RUNS} generated raw requests against the binary are answered in the envelope`, async () => {
  await fuzzAssert(
    fc.asyncProperty(rawRequests({ names, auth: AUTH, secret: SECRET }), async (spec) => {
      fc.pre(!(spec.method === "DELETE" && touchesHome(spec.path)));
      const a = await rawRequest(port, spec.bytes, { timeoutMs: BOUND_MS, head: spec.method === "HEAD" });
      sent++;
      const problem = answerProblem(spec.method, spec.path, a);
      if (problem)
        throw new Error(`${JSON.stringify(spec.bytes.subarray(0, 300).toString("latin1"))}: ${problem}`);
    }),
    params(RAW_RUNS),
  );
}, 120_000);

test("the process lives and serves normally; its whole log holds no canary and no failure", async () => {
  console.log(`hostile-fuzz-binary: ${sent} requests, seed ${SEED}`);
  const call = caller(url);
  // Canaries in every place once more, on requests that succeed.
  const b64 = Buffer.from(SECRET).toString("base64");
  for (const [path, json] of [
    [`/v1/tasks?token=${SECRET}`, { type: "canary", payload: { secret: SECRET } }],
    ["/v1/tasks", { type: "canary", payload_base64: b64 }],
    [
      "/v1/schedules",
      { name: "canary-s", schedule: "@every 1h", queue: "FUZZHOME", task_type: "t", payload: SECRET },
    ],
  ] as const) {
    const r = await call("POST", path, {
      json,
      headers: { authorization: `Bearer ${AUTH}`, "idempotency-key": `${KEY}-${path.length}` },
    });
    expect(r.status).toBe(201);
  }
  expect(server.proc.exitCode).toBeNull();
  expect((await call("GET", "/healthz")).status).toBe(200);
  expect((await call("GET", "/readyz")).status).toBe(200);
  const created = await call("POST", "/v1/tasks", { json: { type: "after:fuzz" } });
  expect(created.status).toBe(201);
  expect((await call("GET", `/v1/tasks/${created.body.id}`)).body.type).toBe("after:fuzz");
  // The log is written in batches: once the last request's line is there, all the others are.
  await server.waitFor(`path=/v1/tasks/${created.body.id} status=200`, 5_000);
  const out = server.output();
  expect(out.split("\n").filter((l) => l.startsWith("ERRO"))).toEqual([]);
  expectNoCanaries(out, [AUTH, SECRET, KEY]);
});
