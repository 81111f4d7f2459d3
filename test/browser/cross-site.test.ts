/**
 * The browser guard in a real browser (issue 12, item 4): headless Debian Chromium driven by
 * playwright-core, against the compiled binary and a real NATS. A page served from another local
 * port sends what a browser lets any page send without a preflight (a text/plain `fetch`, a form
 * POST with a JSON-looking text/plain body, a body-less purge) and tries to read an answer; a page
 * on a name rebound to 127.0.0.1 (Chromium's host resolver maps it, as DNS rebinding would) tries
 * the same origin. Nothing is stored or changed, nothing is read, and the server's log shows each
 * request arrived and was refused.
 *
 * Needs /usr/bin/chromium (Debian's `chromium` package); skipped without it unless
 * AJC_REQUIRE_TOOLS=1. Never downloads a browser.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BrowserContext } from "playwright-core";
import { Client } from "../../src/client.ts";
import { type AjcProcess, ajcBinary, spawnAjc } from "../helpers/binary.ts";
import { freePort, type NatsServer, startNats } from "../helpers/nats.ts";

const CHROMIUM = "/usr/bin/chromium";
const required = process.env.AJC_REQUIRE_TOOLS === "1";
const missing = !existsSync(CHROMIUM);
if (missing && !required)
  console.log(`test/browser: skipped, ${CHROMIUM} is missing (apt-get install chromium)`);

/** The name a rebinding attacker would point at 127.0.0.1. */
const REBOUND = "rebind.evil.example";
const ATTACK_TYPE = "browser:attack";

describe.skipIf(missing && !required)("a web page in a real browser cannot use a loopback ajc", () => {
  let nats: NatsServer;
  let client: Client;
  let server: AjcProcess;
  let port: number;
  let attacker: Server;
  let attackerPort: number;
  let context: BrowserContext;
  let userDataDir: string;
  let victim: string;

  beforeAll(async () => {
    ajcBinary();
    nats = await startNats();
    client = await Client.connect({ connection: { servers: nats.url } });
    await client.createQueue({ name: "EMAIL", max_runtime: "1h" });
    victim = (await client.enqueue(client.newTask("email:new", null), "EMAIL")).id;
    port = await freePort();
    server = spawnAjc(["server", "run", "--queue", "EMAIL", "--bind", `127.0.0.1:${port}`], {
      env: { NATS_URL: nats.url },
    });
    await server.waitFor("listening on");

    // The attacker's site: any page, on another port of the same machine.
    attacker = createServer((req, res) => {
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
      res.end(pages[req.url ?? "/"] ?? "<!doctype html><title>attacker</title>");
    });
    await new Promise<void>((r) => attacker.listen(0, "127.0.0.1", () => r()));
    attackerPort = (attacker.address() as AddressInfo).port;

    const { chromium } = await import("playwright-core");
    userDataDir = mkdtempSync(join(tmpdir(), "ajc-chromium-"));
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        `--host-resolver-rules=MAP ${REBOUND} 127.0.0.1`,
        // Chromium's own Local Network Access check would stop the rebound page before it reaches
        // ajc (a page it counts as public may not call loopback). Other browsers have no such
        // check, and pages on local addresses are not subject to it: test ajc's guard, not it.
        "--disable-features=LocalNetworkAccessChecks,BlockInsecurePrivateNetworkRequests,PrivateNetworkAccessSendPreflights",
      ],
    });
  }, 120_000);

  afterAll(async () => {
    await context?.close().catch(() => {});
    if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
    await new Promise<void>((r) => (attacker ? attacker.close(() => r()) : r()));
    await server?.stop("SIGKILL");
    await client?.close();
    await nats?.close();
  });

  const api = () => `http://127.0.0.1:${port}`;
  const taskJson = JSON.stringify({ type: ATTACK_TYPE, payload: { to: "victim@example.com" } });

  /** Pages of the attacker's site, filled in once the ports are known. */
  const pages: Record<string, string> = {};
  const attackerPage = (path: string, html: string) => {
    pages[path] = `<!doctype html><meta charset="utf-8"><title>attack</title>${html}`;
    return `http://127.0.0.1:${attackerPort}${path}`;
  };

  async function storedAttacks(): Promise<number> {
    let n = 0;
    for await (const t of client.listTasks({ limit: 10_000 })) if (t.type === ATTACK_TYPE) n++;
    return n;
  }

  /** How many requests the server logged with this method, path and status. */
  const logged = (method: string, path: string, status: number) =>
    server
      .output()
      .split("\n")
      .filter((l) => l.includes(`method=${method} path=${path} status=${status}`)).length;

  async function waitLogged(method: string, path: string, status: number, atLeast: number) {
    const deadline = Date.now() + 10_000;
    while (logged(method, path, status) < atLeast && Date.now() < deadline) await Bun.sleep(50);
    return logged(method, path, status);
  }

  test("fetch without a preflight (text/plain task, body-less purge and retry): refused, nothing stored, nothing read", async () => {
    const entries = (await client.queueInfo("EMAIL")).entries;
    const url = attackerPage(
      "/fetch",
      `<script>
        window.results = (async () => {
          const api = ${JSON.stringify(api())};
          const sent = [];
          const opts = (body, type) => ({ method: "POST", mode: "no-cors", body,
            headers: type ? { "Content-Type": type } : {} });
          for (const r of [
            fetch(api + "/v1/tasks", opts(${JSON.stringify(taskJson)}, "text/plain")),
            fetch(api + "/v1/tasks", opts(new URLSearchParams({ type: "x" }))),
            fetch(api + "/v1/queues/EMAIL/purge", opts()),
            fetch(api + "/v1/tasks/${victim}/retry", opts()),
          ]) sent.push(await r.then((x) => x.type, (e) => "error: " + e));
          let read;
          try { read = await (await fetch(api + "/v1/info")).text(); } catch (e) { read = "blocked: " + e.name; }
          let preflighted;
          try {
            const r = await fetch(api + "/v1/tasks", { method: "POST", body: ${JSON.stringify(taskJson)},
              headers: { "Content-Type": "application/json" } });
            preflighted = "answered " + r.status;
          } catch (e) { preflighted = "blocked: " + e.name; }
          return { sent, read, preflighted };
        })();
      </script>`,
    );
    const page = await context.newPage();
    await page.goto(url);
    const results = await page.evaluate("window.results");
    await page.close();
    expect(results).toEqual({
      sent: ["opaque", "opaque", "opaque", "opaque"],
      read: "blocked: TypeError",
      preflighted: "blocked: TypeError",
    });
    // The requests did reach the server, and were refused there.
    expect(await waitLogged("POST", "/v1/tasks", 403, 2)).toBeGreaterThanOrEqual(2);
    expect(await waitLogged("POST", "/v1/queues/EMAIL/purge", 403, 1)).toBeGreaterThanOrEqual(1);
    expect(await waitLogged("POST", `/v1/tasks/${victim}/retry`, 403, 1)).toBeGreaterThanOrEqual(1);
    expect(await waitLogged("OPTIONS", "/v1/tasks", 405, 1)).toBeGreaterThanOrEqual(1);
    expect(await storedAttacks()).toBe(0);
    expect((await client.queueInfo("EMAIL")).entries).toBe(entries);
    expect((await client.loadTask(victim)).state).toBe("new");
  });

  test("form POSTs (the text/plain JSON trick, a form-encoded task, an empty purge): refused in the envelope", async () => {
    const entries = (await client.queueInfo("EMAIL")).entries;
    // A text/plain form sends `name=value`: this name and value add up to a JSON task.
    const [head, tail] = [taskJson.slice(0, -2), taskJson.slice(-2)];
    const forms: [string, string][] = [
      [
        "/form-json",
        `<form method="post" enctype="text/plain" action="${api()}/v1/tasks"><input name='${head}' value='${tail}'></form>`,
      ],
      [
        "/form-urlencoded",
        `<form method="post" action="${api()}/v1/tasks"><input name="type" value="${ATTACK_TYPE}"></form>`,
      ],
      ["/form-purge", `<form method="post" action="${api()}/v1/queues/EMAIL/purge"></form>`],
    ];
    for (const [path, form] of forms) {
      const page = await context.newPage();
      await page.goto(attackerPage(path, form));
      const [answer] = await Promise.all([
        page.waitForNavigation({ url: (u) => u.port === String(port) }),
        page.evaluate("document.forms[0].submit()"),
      ]);
      expect({ path, status: answer?.status() }).toEqual({ path, status: 403 });
      const body = JSON.parse((await page.textContent("body")) ?? "");
      expect(body.error.details.reason).toBe("origin_forbidden");
      await page.close();
    }
    expect(await storedAttacks()).toBe(0);
    expect((await client.queueInfo("EMAIL")).entries).toBe(entries);
  });

  test("a page on a rebound name, same-origin with the server: every answer is 403, nothing read or stored", async () => {
    const origin = `http://${REBOUND}:${port}`;
    const page = await context.newPage();
    // The first lookup of the name gave the attacker's server this page; later ones give
    // 127.0.0.1 (the resolver rule), so the page's own-origin requests reach ajc.
    await page.route(`${origin}/`, (route) =>
      route.fulfill({
        contentType: "text/html",
        body: `<!doctype html><title>rebound</title><script>
          window.results = (async () => {
            const out = {};
            for (const path of ["/v1/info", "/v1/tasks?limit=10", "/healthz", "/v1/tasks/${victim}"]) {
              const r = await fetch(path);
              out[path] = r.status + " " + (await r.text());
            }
            const w = await fetch("/v1/tasks", { method: "POST", body: ${JSON.stringify(taskJson)},
              headers: { "Content-Type": "application/json" } });
            out.create = w.status + " " + (await w.text());
            return out;
          })();
        </script>`,
      }),
    );
    await page.goto(`${origin}/`);
    const results = (await page.evaluate("window.results")) as Record<string, string>;
    await page.close();
    expect(Object.keys(results)).toHaveLength(5);
    for (const [what, answer] of Object.entries(results)) {
      expect({ what, status: answer.slice(0, 3) }).toEqual({ what, status: "403" });
      expect(answer).toContain("host_forbidden");
      expect(answer).not.toContain(victim);
    }
    expect(await storedAttacks()).toBe(0);
  });
});
