/**
 * docs/deployment.md's nginx and Caddy recipes, run for real in front of the server (each skipped where that
 * proxy is not installed, an error with AJC_REQUIRE_TOOLS=1): the proxy authenticates, and ajc's own 413 and 429 reach the client with
 * their JSON envelope and Retry-After. Only the addresses, TLS and password files are swapped for
 * local ones; the limits and proxy settings are the page's.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawn, spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEFAULT_MAX_BODY_BYTES } from "../../src/http/body.ts";
import { type ApiEnv, startApi } from "../helpers/http.ts";
import { freePort } from "../helpers/nats.ts";
import { openSse } from "../helpers/sse.ts";
import { missingTools, toolPath } from "../helpers/tools.ts";

const root = join(import.meta.dir, "..", "..");
const nginxBinary = toolPath("nginx") ?? "";
const caddyBinary = toolPath("caddy") ?? "";

/** docs/deployment.md's `lang` block with `swaps` applied, each of which must match. */
function recipeBlock(lang: string, swaps: [RegExp, string][]): string {
  const page = readFileSync(join(root, "docs", "deployment.md"), "utf8");
  const block = new RegExp(`\`\`\`${lang}\\n([\\s\\S]*?)\`\`\``).exec(page)?.[1];
  if (!block) throw new Error(`docs/deployment.md has no ${lang} block`);
  let out = block;
  for (const [re, to] of swaps) {
    const before = out;
    out = out.replace(re, to);
    if (out === before) throw new Error(`docs/deployment.md's ${lang} block no longer has ${re}`);
  }
  return out;
}

/** docs/deployment.md's nginx block, made to run here. */
function nginxRecipe(upstreamPort: number, listenPort: number, htpasswd: string): string {
  return recipeBlock("nginx", [
    [/server 127\.0\.0\.1:8080;/, `server 127.0.0.1:${upstreamPort};`],
    [/listen 443 ssl;/, `listen 127.0.0.1:${listenPort};`],
    [/^\s*ssl_certificate(_key)?\s.*\n/gm, ""],
    [/auth_basic_user_file \S+;/, `auth_basic_user_file ${htpasswd};`],
  ]);
}

/** docs/deployment.md's Caddyfile, made to run here (Caddy before 2.8 spells basic_auth `basicauth`). */
function caddyRecipe(upstreamPort: number, listenPort: number, hash: string, version: string): string {
  const [major = 0, minor = 0] = (/v?(\d+)\.(\d+)/.exec(version) ?? []).slice(1).map(Number);
  const old = major === 2 && minor < 8;
  return recipeBlock("caddy", [
    [/^jobs\.example\.com \{/m, `http://127.0.0.1:${listenPort} {`],
    [/reverse_proxy 127\.0\.0\.1:8080/, `reverse_proxy 127.0.0.1:${upstreamPort}`],
    [/<hash from `caddy hash-password`>/, hash],
    ...(old ? ([[/\bbasic_auth\b/, "basicauth"]] as [RegExp, string][]) : []),
  ]);
}

const USER = "ops";
const PASSWORD = "proxy-secret";
const auth = `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString("base64")}`;

/** A proxy process in a temporary directory. */
interface Proxy {
  base: string;
  stop(): Promise<void>;
}

async function startProxy(
  cmd: string[],
  port: number,
  dir: string,
  env: Record<string, string> = {},
): Promise<Proxy> {
  const proc = spawn(cmd[0]!, cmd.slice(1), {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, ...env },
  });
  let log = "";
  for (const s of [proc.stdout, proc.stderr]) s?.on("data", (d) => (log += String(d)));
  const base = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (proc.exitCode === null) {
      proc.kill("SIGTERM");
      await new Promise((r) => proc.once("exit", r));
    }
    rmSync(dir, { recursive: true, force: true });
  };
  for (let i = 0; i < 200; i++) {
    const up = await fetch(`${base}/healthz`).then(
      (r) => r.status > 0,
      () => false,
    );
    if (up) return { base, stop };
    if (proc.exitCode !== null) break;
    await Bun.sleep(50);
  }
  await stop();
  throw new Error(`${cmd[0]} did not start:\n${log}`);
}

/** The site name of the page's recipes, which ajc is told with --allowed-host. */
const SITE = "jobs.example.com";

/**
 * What docs/deployment.md promises of any proxy recipe; `known` names checks skipped for a known bug.
 * `site` is the Host clients name when the proxy routes any name to the recipe (nginx's only
 * server block); Caddy routes by its site address, so its clients name 127.0.0.1:PORT.
 */
function proxyContract(
  name: string,
  start: (api: ApiEnv) => Promise<Proxy>,
  known: { bodyLimit?: string } = {},
  site?: string,
) {
  describe(`docs/deployment.md's ${name} recipe in front of ajc`, () => {
    let api: ApiEnv;
    let proxy: Proxy;
    const siteHeaders = (): Record<string, string> =>
      site ? { host: site, authorization: auth } : { authorization: auth };
    const get = (path: string) => fetch(`${proxy.base}${path}`, { headers: siteHeaders() });
    /** The origin a page of the site has, as the browser sends it. */
    const siteOrigin = () => (site ? `http://${site}` : proxy.base);

    beforeAll(async () => {
      // As docs/deployment.md runs it behind a proxy on the same host: loopback, plus the site's name.
      api = await startApi({ server: { allowedHosts: [SITE] } });
      for (let i = 0; i < 300; i++) await api.client.enqueue(api.client.newTask("bulk", "x"), "EMAIL");
      proxy = await start(api);
    });

    afterAll(async () => {
      await proxy?.stop();
      await api?.close();
    });

    test("the proxy authenticates: 401 from the proxy without credentials, ajc's answer with them", async () => {
      const denied = await fetch(`${proxy.base}/v1/info`);
      expect(denied.status).toBe(401);
      await denied.text();
      const ok = await get("/v1/info");
      expect(ok.status).toBe(200);
      expect(await ok.json()).toMatchObject({ version: expect.any(String), auth: "none" });
    });

    test.skipIf(known.bodyLimit !== undefined)(
      "a body over --max-body gets ajc's 413 envelope, not the proxy's page",
      async () => {
        const body = JSON.stringify({ type: "big", payload: "x".repeat(DEFAULT_MAX_BODY_BYTES + 1024) });
        const r = await fetch(`${proxy.base}/v1/tasks`, {
          method: "POST",
          headers: { authorization: auth, "content-type": "application/json" },
          body,
        });
        expect(r.status).toBe(413);
        expect(r.headers.get("content-type")).toContain("application/json");
        expect(await r.json()).toMatchObject({ error: { code: "payload_too_large" } });
      },
    );

    test("concurrent listings get ajc's 429 envelope with Retry-After", async () => {
      let limited: Response | undefined;
      for (let round = 0; round < 20 && !limited; round++) {
        const all = await Promise.all(Array.from({ length: 8 }, () => get("/v1/tasks?limit=1000")));
        limited = all.find((r) => r.status === 429);
        for (const r of all) if (r !== limited) await r.arrayBuffer();
      }
      expect(limited).toBeDefined();
      expect(limited!.headers.get("retry-after")).toBe("1");
      expect(await limited!.json()).toMatchObject({
        error: { code: "rate_limited", details: { reason: "list_in_progress" } },
      });
    });

    test("the browser guard through the proxy: a foreign Origin gets ajc's 403, the site's own passes", async () => {
      const post = (path: string, headers: Record<string, string>, body?: string) =>
        fetch(`${proxy.base}${path}`, { method: "POST", headers: { ...siteHeaders(), ...headers }, body });
      const entries = (await api.client.queueInfo("EMAIL")).entries;
      const foreign = await post("/v1/queues/EMAIL/purge", { origin: "https://evil.example" });
      expect(foreign.status).toBe(403);
      expect(await foreign.json()).toMatchObject({
        error: { code: "invalid_argument", details: { reason: "origin_forbidden" } },
      });
      const plain = await post("/v1/tasks", { "content-type": "text/plain" }, '{"type":"attack"}');
      expect(plain.status).toBe(415);
      expect(await plain.json()).toMatchObject({ error: { details: { reason: "unsupported_media_type" } } });
      expect((await api.client.queueInfo("EMAIL")).entries).toBe(entries);
      const own = await post(
        "/v1/tasks",
        { origin: siteOrigin(), "content-type": "application/json" },
        '{"type":"bulk"}',
      );
      expect(own.status).toBe(201);
      await own.arrayBuffer();
    });

    test.skipIf(site === undefined)(
      "the site's name reaches ajc as Host; a name it was not given is refused",
      async () => {
        const ok = await get("/v1/info");
        expect(ok.status).toBe(200);
        await ok.arrayBuffer();
        const rebound = await fetch(`${proxy.base}/v1/info`, {
          headers: { host: "evil.example", authorization: auth },
        });
        expect(rebound.status).toBe(403);
        expect(await rebound.json()).toMatchObject({ error: { details: { reason: "host_forbidden" } } });
      },
    );

    test("an event stream passes through as events happen, and resumes with Last-Event-ID", async () => {
      const url = `${proxy.base}/v1/events?kind=task&type=proxied`;
      const s = await openSse(url, siteHeaders());
      expect(s.status).toBe(200);
      const first = await api.client.enqueue(api.client.newTask("proxied", null), "EMAIL");
      const seen = await s.waitFor((e) => e.json?.id === first.id);
      s.close();
      const missed = await api.client.enqueue(api.client.newTask("proxied", null), "EMAIL");
      const again = await openSse(url, { ...siteHeaders(), "last-event-id": seen.id! });
      await again.waitFor((e) => e.json?.id === missed.id);
      expect(again.events.some((e) => e.json?.id === first.id)).toBe(false);
      again.close();
    });

    test("an ndjson listing streams through", async () => {
      const r = await get("/v1/tasks?stream=ndjson&limit=5");
      expect(r.status).toBe(200);
      const lines = (await r.text()).trim().split("\n");
      expect(lines).toHaveLength(5);
      for (const l of lines) expect(JSON.parse(l)).toMatchObject({ type: "bulk", queue: "EMAIL" });
    });
  });
}

function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  chmodSync(dir, 0o755);
  return dir;
}

describe.skipIf(missingTools("nginx"))("nginx", () => {
  proxyContract(
    "nginx",
    async (api) => {
      const dir = tempDir("ajc-nginx-");
      const temps = ["client_body", "proxy", "fastcgi", "uwsgi", "scgi"];
      for (const d of temps) mkdirSync(join(dir, d));
      const htpasswd = join(dir, "htpasswd");
      writeFileSync(htpasswd, `${USER}:{PLAIN}${PASSWORD}\n`);
      const port = await freePort();
      const conf = [
        "daemon off;",
        "master_process off;",
        `pid ${join(dir, "nginx.pid")};`,
        "error_log stderr warn;",
        "events {}",
        "http {",
        "  access_log off;",
        ...temps.map((d) => `  ${d}_temp_path ${join(dir, d)};`),
        nginxRecipe(api.server.port, port, htpasswd),
        "}",
      ].join("\n");
      writeFileSync(join(dir, "nginx.conf"), conf);
      return startProxy([nginxBinary, "-p", dir, "-c", join(dir, "nginx.conf"), "-e", "stderr"], port, dir);
    },
    {},
    SITE,
  );
});

describe.skipIf(missingTools("caddy"))("Caddy", () => {
  proxyContract("Caddy", async (api) => {
    const dir = tempDir("ajc-caddy-");
    const version = spawnSync(caddyBinary, ["version"], { encoding: "utf8" }).stdout;
    const hash = spawnSync(caddyBinary, ["hash-password", "--plaintext", PASSWORD], {
      encoding: "utf8",
    }).stdout.trim();
    if (!hash) throw new Error("caddy hash-password printed nothing");
    const port = await freePort();
    const global = "{\n\tadmin off\n\tauto_https off\n}\n";
    writeFileSync(join(dir, "Caddyfile"), global + caddyRecipe(api.server.port, port, hash, version));
    const env = { HOME: dir, XDG_DATA_HOME: dir, XDG_CONFIG_HOME: dir };
    return startProxy(
      [caddyBinary, "run", "--adapter", "caddyfile", "--config", join(dir, "Caddyfile")],
      port,
      dir,
      env,
    );
  });
});
