/**
 * The browser guard through the compiled binary, as an operator meets it: a loopback `ajc server
 * run` refuses what a web page could send it (a text/plain or form body, a foreign Origin, a
 * rebound Host) and stores nothing; `--allowed-host` and `AJC_ALLOWED_HOST` add names; a bad name
 * fails at start-up; and every curl command the README and docs/*.md show still works, run by curl
 * itself.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "../../src/client.ts";
import { type AjcProcess, ajcBinary, runAjc, spawnAjc } from "../helpers/binary.ts";
import { docPaths, readDoc } from "../helpers/docs.ts";
import { answerProblem, rawRequest } from "../helpers/hostile.ts";
import { freePort, type NatsServer, startNats } from "../helpers/nats.ts";

const curlBinary = spawnSync("sh", ["-c", "command -v curl"], { encoding: "utf8" }).stdout.trim();

let nats: NatsServer;
let client: Client;
let server: AjcProcess;
let envServer: AjcProcess;
let port: number;
let envPort: number;

beforeAll(async () => {
  ajcBinary();
  nats = await startNats();
  client = await Client.connect({ connection: { servers: nats.url } });
  await client.createQueue({ name: "EMAIL", max_runtime: "1h" });
  [port, envPort] = await Promise.all([freePort(), freePort()]);
  server = spawnAjc(
    [
      "server",
      "run",
      "--queue",
      "EMAIL",
      "--bind",
      `127.0.0.1:${port}`,
      "--allowed-host",
      "jobs.example.com",
    ],
    { env: { NATS_URL: nats.url } },
  );
  envServer = spawnAjc(["server", "run", "--queue", "EMAIL", "--bind", `127.0.0.1:${envPort}`], {
    env: { NATS_URL: nats.url, AJC_ALLOWED_HOST: "a.example, B.example" },
  });
  await Promise.all([server.waitFor("listening on"), envServer.waitFor("listening on")]);
});
afterAll(async () => {
  await server?.stop("SIGKILL");
  await envServer?.stop("SIGKILL");
  await client?.close();
  await nats?.close();
});

/** A raw request to the binary; its answer must keep the contract. */
async function send(method: string, path: string, headers: Record<string, string>, body = "", to = port) {
  const lines = Object.entries({ Host: `127.0.0.1:${to}`, ...headers })
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join("");
  const length = method === "POST" ? `Content-Length: ${Buffer.byteLength(body)}\r\n` : "";
  const a = await rawRequest(to, `${method} ${path} HTTP/1.1\r\n${lines}${length}\r\n${body}`);
  expect(answerProblem(method, path, a)).toBeUndefined();
  const reason = a.body === "" ? undefined : JSON.parse(a.body).error?.details?.reason;
  return { status: a.status, reason, headers: a.headers };
}

const TASK = JSON.stringify({ type: "email:new", payload: { to: "victim@example.com" } });

describe("what a web page can send is refused, and nothing is stored", () => {
  test("a text/plain or form-encoded task, or one without a type: 415", async () => {
    const before = await client.countTasks();
    for (const type of [
      "text/plain",
      "text/plain;charset=UTF-8",
      "application/x-www-form-urlencoded",
      "multipart/form-data; boundary=x",
    ]) {
      expect({ type, ...(await send("POST", "/v1/tasks", { "Content-Type": type }, TASK)) }).toMatchObject({
        type,
        status: 415,
        reason: "unsupported_media_type",
      });
    }
    expect((await send("POST", "/v1/tasks", {}, TASK)).status).toBe(415);
    expect(await client.countTasks()).toBe(before);
  });

  test("a foreign or null Origin on purge, retry and create: 403; the queue and the task unchanged", async () => {
    const task = await client.enqueue(client.newTask("email:new", null), "EMAIL");
    const entries = (await client.queueInfo("EMAIL")).entries;
    const count = await client.countTasks();
    for (const origin of ["https://evil.example", "null", `http://localhost:${port}`]) {
      for (const [path, headers, body] of [
        ["/v1/queues/EMAIL/purge", {}, ""],
        ["/v1/queues/EMAIL/purge", { "Content-Type": "application/x-www-form-urlencoded" }, ""],
        [`/v1/tasks/${task.id}/retry`, {}, ""],
        ["/v1/tasks", { "Content-Type": "application/json" }, TASK],
      ] as const) {
        expect({
          origin,
          path,
          ...(await send("POST", path, { ...headers, Origin: origin }, body)),
        }).toMatchObject({
          origin,
          path,
          status: 403,
          reason: "origin_forbidden",
        });
      }
    }
    expect((await client.queueInfo("EMAIL")).entries).toBe(entries);
    expect(await client.countTasks()).toBe(count);
    expect((await client.loadTask(task.id)).state).toBe(task.state);
  });

  test("a rebound Host: 403 on every path, the probes included", async () => {
    for (const path of ["/healthz", "/readyz", "/v1/info", "/v1/tasks", "/v1/openapi.json"]) {
      expect({ path, ...(await send("GET", path, { Host: "evil.example:8080" })) }).toMatchObject({
        path,
        status: 403,
        reason: "host_forbidden",
      });
    }
    const before = await client.countTasks();
    const write = await send(
      "POST",
      "/v1/tasks",
      {
        Host: `evil.example:${port}`,
        Origin: `http://evil.example:${port}`,
        "Content-Type": "application/json",
      },
      TASK,
    );
    expect(write).toMatchObject({ status: 403, reason: "host_forbidden" });
    expect(await client.countTasks()).toBe(before);
  });

  test("no answer grants CORS; every answer says nosniff and frame-ancestors 'none'", async () => {
    const preflight = await send("OPTIONS", "/v1/tasks", {
      Origin: "https://evil.example",
      "Access-Control-Request-Method": "POST",
      "Access-Control-Request-Headers": "content-type",
    });
    expect(preflight.status).toBe(405);
    for (const a of [
      preflight,
      await send("GET", "/v1/info", {}),
      await send("GET", "/healthz", { Host: "evil.example" }),
    ]) {
      expect(Object.keys(a.headers).filter((h) => h.startsWith("access-control-"))).toEqual([]);
      expect(a.headers["x-content-type-options"]).toBe("nosniff");
      expect(a.headers["content-security-policy"]).toBe("frame-ancestors 'none'");
    }
  });
});

describe("legitimate clients pass", () => {
  test("a client without Origin, and the server's own origin", async () => {
    expect((await send("POST", "/v1/tasks", { "Content-Type": "application/json" }, TASK)).status).toBe(201);
    const own = { Origin: `http://127.0.0.1:${port}`, "Content-Type": "application/json; charset=utf-8" };
    expect((await send("POST", "/v1/tasks", own, TASK)).status).toBe(201);
    expect((await send("POST", "/v1/queues/EMAIL/purge", {})).status).toBe(202);
  });

  test("--allowed-host and AJC_ALLOWED_HOST (comma-separated) add names, with any port", async () => {
    expect((await send("GET", "/v1/info", { Host: "jobs.example.com" })).status).toBe(200);
    expect((await send("GET", "/v1/info", { Host: "a.example" })).status).toBe(403);
    for (const host of ["a.example", "b.example:8443", `localhost:${envPort}`]) {
      expect({ host, status: (await send("GET", "/v1/info", { Host: host }, "", envPort)).status }).toEqual({
        host,
        status: 200,
      });
    }
    expect((await send("GET", "/v1/info", { Host: "jobs.example.com" }, "", envPort)).status).toBe(403);
  });

  test("a bad --allowed-host fails at start-up with one line, before NATS is dialled", async () => {
    const dead = { NATS_URL: `nats://127.0.0.1:${await freePort()}` };
    for (const [args, env] of [
      [["--allowed-host", "http://jobs.example.com"], {}],
      [["--allowed-host", "jobs.example.com:8080"], {}],
      [[], { AJC_ALLOWED_HOST: "ok.example,bad name" }],
    ] as const) {
      const r = await runAjc(["server", "run", "--queue", "EMAIL", "--bind", "127.0.0.1:0", ...args], {
        env: { ...dead, ...env },
        timeoutMs: 10_000,
      });
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/invalid --allowed-host/);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });
});

/** Every curl command in the shell and console blocks of README.md and docs/*.md, lines joined. */
function documentedCurls(): string[] {
  const text = docPaths().map(readDoc).join("\n");
  const out: string[] = [];
  for (const [, lang, block] of text.matchAll(/```(sh|console)\n([\s\S]*?)```/g)) {
    const lines = block!.split("\n");
    for (let i = 0; i < lines.length; i++) {
      let line = lines[i]!;
      if (lang === "console") {
        if (!line.startsWith("$ ")) continue;
        line = line.slice(2);
      }
      if (!/^(until )?curl /.test(line)) continue;
      while (line.endsWith("\\") && i + 1 < lines.length) line = `${line.slice(0, -1)} ${lines[++i]!.trim()}`;
      if (line.includes("https://")) continue; // mTLS examples need certificates
      out.push(line.replace(/\s+#.*$/, ""));
    }
  }
  return out;
}

describe.skipIf(!curlBinary && process.env.AJC_REQUIRE_TOOLS !== "1")("the documented curl commands", () => {
  test("each one, run by curl against the binary, gets past the guard and succeeds", () => {
    const curls = documentedCurls();
    expect(curls.length).toBeGreaterThanOrEqual(8);
    expect(curls.some((c) => c.includes("-X POST"))).toBe(true);
    const dir = mkdtempSync(join(tmpdir(), "ajc-docs-curl-"));
    try {
      for (const cmd of curls) {
        const run = cmd.replaceAll("127.0.0.1:8080", `127.0.0.1:${port}`);
        const r = spawnSync("sh", ["-c", run], { cwd: dir, encoding: "utf8", timeout: 10_000 });
        expect({ cmd, code: r.status, error: /"error"/.test(r.stdout) }).toEqual({
          cmd,
          code: 0,
          error: false,
        });
        expect({ cmd, status: /^(4|5)\d\d$/m.test(r.stdout) }).toEqual({ cmd, status: false });
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("curl -d without -H 'Content-Type: application/json' sends a form type and is refused", () => {
    const r = spawnSync(
      "curl",
      ["-s", "-w", "\n%{http_code}", "-X", "POST", `http://127.0.0.1:${port}/v1/tasks`, "-d", TASK],
      { encoding: "utf8" },
    );
    expect(r.stdout).toContain("unsupported_media_type");
    expect(r.stdout.trim().endsWith("415")).toBe(true);
  });
});
