/**
 * README's nginx recipe, run for real in front of the server (skipped where nginx is not
 * installed): the proxy authenticates, and ajc's own 413 and 429 reach the client with their JSON
 * envelope and Retry-After. Only the listen address, TLS files and password file are swapped for
 * local ones; the upstream, limits and location block are the README's.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawn, spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEFAULT_MAX_BODY_BYTES } from "../../src/http/body.ts";
import { type ApiEnv, startApi } from "../helpers/http.ts";
import { freePort } from "../helpers/nats.ts";

const root = join(import.meta.dir, "..", "..");
const nginxBinary = spawnSync("sh", ["-c", "command -v nginx || ls /usr/sbin/nginx"], {
  encoding: "utf8",
}).stdout.trim();

/** The README's nginx block, made to run here. */
function recipe(upstreamPort: number, listenPort: number, htpasswd: string): string {
  const readme = readFileSync(join(root, "README.md"), "utf8");
  const block = /```nginx\n([\s\S]*?)```/.exec(readme)?.[1];
  if (!block) throw new Error("README has no nginx block");
  const swaps: [RegExp, string][] = [
    [/server 127\.0\.0\.1:8080;/, `server 127.0.0.1:${upstreamPort};`],
    [/listen 443 ssl;/, `listen 127.0.0.1:${listenPort};`],
    [/^\s*ssl_certificate(_key)?\s.*\n/gm, ""],
    [/auth_basic_user_file \S+;/, `auth_basic_user_file ${htpasswd};`],
  ];
  let out = block;
  for (const [re, to] of swaps) {
    const before = out;
    out = out.replace(re, to);
    if (out === before) throw new Error(`the README's nginx block no longer has ${re}`);
  }
  return out;
}

const USER = "ops";
const PASSWORD = "proxy-secret";
const auth = `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString("base64")}`;

describe.skipIf(!nginxBinary)("the README's nginx recipe in front of ajc", () => {
  let api: ApiEnv;
  let dir: string;
  let base: string;
  let nginx: ReturnType<typeof spawn>;
  let nginxLog = "";

  beforeAll(async () => {
    api = await startApi();
    for (let i = 0; i < 300; i++) await api.client.enqueue(api.client.newTask("bulk", "x"), "EMAIL");
    dir = mkdtempSync(join(tmpdir(), "ajc-nginx-"));
    chmodSync(dir, 0o755);
    for (const d of ["body", "proxy", "fastcgi", "uwsgi", "scgi"]) mkdirSync(join(dir, d));
    const htpasswd = join(dir, "htpasswd");
    writeFileSync(htpasswd, `${USER}:{PLAIN}${PASSWORD}\n`);
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    const conf = [
      "daemon off;",
      "master_process off;",
      `pid ${join(dir, "nginx.pid")};`,
      "error_log stderr warn;",
      "events {}",
      "http {",
      "  access_log off;",
      ...["body", "proxy", "fastcgi", "uwsgi", "scgi"].map(
        (d) => `  ${d === "body" ? "client_body" : d}_temp_path ${join(dir, d)};`,
      ),
      recipe(api.server.port, port, htpasswd),
      "}",
    ].join("\n");
    writeFileSync(join(dir, "nginx.conf"), conf);
    nginx = spawn(nginxBinary, ["-p", dir, "-c", join(dir, "nginx.conf"), "-e", "stderr"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    nginx.stderr?.on("data", (d) => {
      nginxLog += String(d);
    });
    for (let i = 0; i < 100; i++) {
      const up = await fetch(`${base}/healthz`).then(
        () => true,
        () => false,
      );
      if (up) return;
      if (nginx.exitCode !== null) break;
      await Bun.sleep(50);
    }
    throw new Error(`nginx did not start:\n${nginxLog}`);
  });

  afterAll(async () => {
    if (nginx && nginx.exitCode === null) {
      nginx.kill("SIGQUIT");
      await new Promise((r) => nginx.once("exit", r));
    }
    await api?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test("the proxy authenticates: 401 from nginx without credentials, ajc's answer with them", async () => {
    const denied = await fetch(`${base}/v1/info`);
    expect(denied.status).toBe(401);
    await denied.text();
    const ok = await fetch(`${base}/v1/info`, { headers: { authorization: auth } });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ version: expect.any(String), auth: "none" });
  });

  test("a body over --max-body gets ajc's 413 envelope, not an nginx page", async () => {
    const body = JSON.stringify({ type: "big", payload: "x".repeat(DEFAULT_MAX_BODY_BYTES + 1024) });
    const r = await fetch(`${base}/v1/tasks`, {
      method: "POST",
      headers: { authorization: auth, "content-type": "application/json" },
      body,
    });
    expect(r.status).toBe(413);
    expect(r.headers.get("content-type")).toContain("application/json");
    expect(await r.json()).toMatchObject({ error: { code: "payload_too_large" } });
  });

  test("concurrent listings get ajc's 429 envelope with Retry-After", async () => {
    let limited: Response | undefined;
    for (let round = 0; round < 20 && !limited; round++) {
      const all = await Promise.all(
        Array.from({ length: 8 }, () =>
          fetch(`${base}/v1/tasks?limit=1000`, { headers: { authorization: auth } }),
        ),
      );
      limited = all.find((r) => r.status === 429);
      for (const r of all) if (r !== limited) await r.arrayBuffer();
    }
    expect(limited).toBeDefined();
    expect(limited!.headers.get("retry-after")).toBe("1");
    expect(await limited!.json()).toMatchObject({
      error: { code: "rate_limited", details: { reason: "list_in_progress" } },
    });
  });

  test("an ndjson listing streams through", async () => {
    const r = await fetch(`${base}/v1/tasks?stream=ndjson&limit=5`, { headers: { authorization: auth } });
    expect(r.status).toBe(200);
    const lines = (await r.text()).trim().split("\n");
    expect(lines).toHaveLength(5);
    for (const l of lines) expect(JSON.parse(l)).toMatchObject({ type: "bulk", queue: "EMAIL" });
  });
});
