/** `ajc server run` as users run it: the compiled binary, real NATS, real HTTP. */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { VERSION } from "../../src/version.ts";
import { type AjcProcess, ajcBinary, jsonLogLines, runAjc, spawnAjc } from "../helpers/binary.ts";
import { caller, expectError } from "../helpers/http.ts";
import { freePort, type NatsServer, startNats } from "../helpers/nats.ts";

setDefaultTimeout(30_000);

let nats: NatsServer;
let env: Record<string, string>;
let dir: string;
const running: AjcProcess[] = [];
beforeAll(async () => {
  ajcBinary();
  nats = await startNats();
  env = { NATS_URL: nats.url };
  dir = mkdtempSync(join(tmpdir(), "ajc-http-bin-"));
});
afterAll(async () => {
  for (const p of running) await p.stop("SIGKILL");
  await nats.close();
  rmSync(dir, { recursive: true, force: true });
});

async function serve(args: string[], extraEnv: Record<string, string> = {}) {
  const port = await freePort();
  const bind = `127.0.0.1:${port}`;
  const hasBind = args.includes("--bind") || extraEnv.AJC_BIND !== undefined;
  const p = spawnAjc(["server", "run", ...(hasBind ? [] : ["--bind", bind]), ...args], {
    env: { ...env, ...extraEnv },
  });
  running.push(p);
  return { p, port, url: `http://${bind}`, call: caller(`http://${bind}`) };
}

async function until(what: string, ok: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await ok().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(50);
  }
}

describe("the README's quick start", () => {
  test("queue add, server run, curl /v1/info, enqueue, stop with SIGTERM", async () => {
    const add = await runAjc(["queue", "add", "EMAIL", "--run-time", "1h"], { env });
    expect(add.code).toBe(0);
    const s = await serve(["--queue", "EMAIL"]);
    await s.p.waitFor(
      new RegExp(`INFO\\[\\d{4}\\] asyncjobs HTTP API listening on 127\\.0\\.0\\.1:${s.port} \\(none\\)\\n`),
    );
    const info = await s.call("GET", "/v1/info");
    // delayed_tasks: true from nats-server 2.14 on (the suite also runs on the newest release).
    expect(info.text).toMatch(
      new RegExp(
        `^\\{"version":"v${VERSION}","auth":"none","queue_count":1,"task_count":0,"delayed_tasks":(true|false)\\}$`,
      ),
    );
    const created = await s.call("POST", "/v1/tasks", {
      json: { type: "email:new", payload: { to: "user@example.com" } },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ type: "email:new", queue: "EMAIL", state: "new" });
    expect(await s.p.stop("SIGTERM")).toBe(0);
    expect(s.p.output()).toContain("SIGTERM received, shutting down");
    expect(s.p.output()).toMatch(/INFO\[\d+\] request method=POST path=\/v1\/tasks status=201 duration_ms=/);
  });
});

describe("idempotency keys across processes", () => {
  test("shared by two servers, kept across a restart", async () => {
    const a = await serve(["--queue", "EMAIL"]);
    const b = await serve(["--queue", "EMAIL"]);
    await a.p.waitFor("listening on");
    await b.p.waitFor("listening on");
    const headers = { "Idempotency-Key": "order-4711" };
    const body = { type: "order:ship", payload: { order: 4711 } };
    const first = await a.call("POST", "/v1/tasks", { json: body, headers });
    expect(first.status).toBe(201);
    const onB = await b.call("POST", "/v1/tasks", { json: body, headers });
    expect(onB.status).toBe(200);
    expect(onB.body.id).toBe(first.body.id);
    expect(onB.headers.get("location")).toBe(first.headers.get("location"));
    expect(await a.p.stop("SIGINT")).toBe(0);
    const again = spawnAjc(["server", "run", "--queue", "EMAIL", "--bind", `127.0.0.1:${a.port}`], { env });
    running.push(again);
    await again.waitFor("listening on");
    const replay = await a.call("POST", "/v1/tasks", { json: body, headers });
    expect(replay.status).toBe(200);
    expect(replay.body.id).toBe(first.body.id);
    expectError(
      await a.call("POST", "/v1/tasks", { json: { ...body, payload: 1 }, headers }),
      409,
      "idempotency_key_reused",
    );
    await again.stop();
    await b.p.stop();
  });
});

test("NATS going away and coming back: logged, 503 meanwhile, recovers by itself", async () => {
  const s = await serve(["--queue", "EMAIL"]);
  await s.p.waitFor("listening on");
  await nats.stop();
  await s.p.waitFor("NATS disconnected");
  expectError(await s.call("GET", "/v1/queues"), 503, "storage_not_ready");
  expect((await s.call("GET", "/readyz")).status).toBe(503);
  await nats.start();
  await s.p.waitFor("NATS reconnected");
  await until("readiness", async () => (await s.call("GET", "/readyz")).status === 200);
  expect((await s.call("GET", "/v1/queues")).status).toBe(200);
  expect(await s.p.stop()).toBe(0);
});

describe("flags and environment", () => {
  test("every flag can come from AJC_*; JSON logs; --verify-key from a file", async () => {
    const keyFile = join(dir, "verify.key");
    writeFileSync(keyFile, "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a\n");
    const port = await freePort();
    const p = spawnAjc(["server", "run"], {
      env: {
        ...env,
        AJC_BIND: `127.0.0.1:${port}`,
        AJC_QUEUE: "EMAIL",
        AJC_LOG_FORMAT: "json",
        AJC_VERIFY_KEY: keyFile,
        AJC_MAX_BODY: "100",
        AJC_READ_TIMEOUT: "5s",
        AJC_WRITE_TIMEOUT: "5s",
      },
    });
    running.push(p);
    await p.waitFor("listening on");
    const call = caller(`http://127.0.0.1:${port}`);
    expectError(await call("POST", "/v1/tasks", { json: { type: "t" } }), 400, "task_not_signed");
    expectError(
      await call("POST", "/v1/tasks", { json: { type: "t", payload: "x".repeat(200) } }),
      413,
      "payload_too_large",
    );
    await p.stop();
    const lines = jsonLogLines(p.output());
    expect(lines[0]).toMatchObject({
      level: "info",
      msg: `asyncjobs HTTP API listening on 127.0.0.1:${port} (none)`,
    });
    expect(lines.find((l) => l.msg === "request")).toMatchObject({
      method: "POST",
      path: "/v1/tasks",
      status: 400,
    });
  });

  test("a flag wins over the environment", async () => {
    const s = await serve(["--queue", "EMAIL"], { AJC_QUEUE: "NOPE", AJC_LOG_FORMAT: "yaml" });
    await expect(s.p.waitFor("listening on", 5_000)).rejects.toThrow(/log-format/);
    const t = await serve(["--queue", "EMAIL", "--log-format", "text"], {
      AJC_QUEUE: "NOPE",
      AJC_LOG_FORMAT: "yaml",
    });
    await t.p.waitFor("listening on");
    await t.p.stop();
  });

  test("--help lists every flag with its environment variable", async () => {
    const r = await runAjc(["server", "run", "--help"], { env });
    expect(r.code).toBe(0);
    for (const flag of [
      "bind",
      "tls-cert",
      "tls-key",
      "tls-client-ca",
      "queue",
      "allow-create-default",
      "read-timeout",
      "write-timeout",
      "max-body",
      "unsafe-bind",
      "log-format",
      "verify",
      "signatures-optional",
    ]) {
      expect(r.stdout).toContain(`--${flag}`);
      expect(r.stdout).toContain(`AJC_${flag.toUpperCase().replace(/-/g, "_")}`);
    }
    expect(r.stdout).toContain("--server");
  });
});

describe("start-up refusals", () => {
  const refuse = async (args: string[], message: RegExp, extraEnv: Record<string, string> = {}) => {
    const r = await runAjc(["server", "run", ...args], { env: { ...env, ...extraEnv } });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(message);
  };

  test("the queue must exist; without one only --allow-create-default will do", async () => {
    await refuse(
      ["--queue", "NOPE", "--bind", "127.0.0.1:0"],
      /queue NOPE does not exist.*ajc queue add NOPE/,
    );
    await refuse(["--bind", "127.0.0.1:0"], /--queue is required.*--allow-create-default/);
    const s = await serve(["--allow-create-default"]);
    await s.p.waitFor("listening on");
    const created = await s.call("POST", "/v1/tasks", { json: { type: "t" } });
    expect(created.body.queue).toBe("DEFAULT");
    expect((await s.call("POST", "/v1/queues", { json: { name: "DEFAULT" } })).status).toBe(409);
    await s.p.stop();
  });

  test("the bind guard runs before NATS is even dialled", async () => {
    const dead = { NATS_URL: `nats://127.0.0.1:${await freePort()}` };
    await refuse(["--queue", "EMAIL", "--bind", "0.0.0.0:8080"], /not loopback.*--unsafe-bind/, dead);
    await refuse(["--queue", "EMAIL", "--bind", "[::]:8080"], /not loopback.*--unsafe-bind/, dead);
    await refuse(["--queue", "EMAIL", "--bind", "8.8.8.8:8080"], /not loopback/, dead);
    await refuse(["--queue", "EMAIL", "--bind", "example.com:8080", "--unsafe-bind"], /host name/, dead);
    await refuse(["--queue", "EMAIL", "--tls-client-ca", "ca.pem"], /--tls-client-ca needs --tls-cert/, dead);
    await refuse(["--queue", "EMAIL"], /invalid duration/, { ...dead, AJC_READ_TIMEOUT: "soon" });
    await refuse(["--queue", "EMAIL", "--max-body", "lots"], /--max-body/, dead);
    // As the Go server: neither --queue nor --allow-create-default is caught before connecting.
    await refuse(["--bind", "127.0.0.1:0"], /--queue is required.*--allow-create-default/, dead);
  });

  test("--unsafe-bind starts on all interfaces with a warning", async () => {
    const port = await freePort();
    const p = spawnAjc(["server", "run", "--queue", "EMAIL", "--bind", `0.0.0.0:${port}`, "--unsafe-bind"], {
      env,
    });
    running.push(p);
    await p.waitFor(`listening on 0.0.0.0:${port} (none)`);
    expect(p.output()).toMatch(/WARN\[\d{4}\] listening on 0\.0\.0\.0 without authentication/);
    expect(await p.stop()).toBe(0);
  });
});
