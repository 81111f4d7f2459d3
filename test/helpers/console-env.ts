/**
 * What the console's browser tests and the screenshot script share: a real NATS, the compiled
 * `ajc server run` (the console built in), a worker (`ajc task process` running a shell script)
 * and headless Debian Chromium driven by playwright-core, with a fresh profile. Never downloads a
 * browser: without /usr/bin/chromium the tests skip (unless AJC_REQUIRE_TOOLS=1).
 */
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BrowserContext } from "playwright-core";
import { Client } from "../../src/client.ts";
import { type AjcProcess, ajcBinary, spawnAjc } from "./binary.ts";
import { freePort, type NatsServer, startNats } from "./nats.ts";

export const CHROMIUM = "/usr/bin/chromium";
export const chromiumMissing = () => !existsSync(CHROMIUM);

/** The flags the issue asks for: no sandbox (root), no GPU, nothing fetched in the background. */
export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

/** The queue the server starts with (it needs one that exists); the worker's queue is made in the UI. */
export const BOOT_QUEUE = "INBOX";
/** The queue the worker takes tasks from. */
export const WORK_QUEUE = "WORK";

/**
 * The worker's command: a task whose type ends in `:fail` fails with a message on stderr until
 * the file `$dir/fixed` exists; every other task succeeds and answers a line.
 */
function workerScript(dir: string): string {
  const p = join(dir, "work.sh");
  writeFileSync(
    p,
    `#!/bin/sh
if grep -q '"type":"[^"]*:fail"' "$CHORIA_AJ_TASK" && [ ! -e ${JSON.stringify(join(dir, "fixed"))} ]; then
  echo "smtp refused: mailbox unavailable" >&2
  exit 3
fi
echo "done"
`,
  );
  chmodSync(p, 0o755);
  return p;
}

export interface ConsoleEnv {
  nats: NatsServer;
  client: Client;
  server: AjcProcess;
  /** `http://127.0.0.1:<port>` */
  url: string;
  browser: BrowserContext;
  /** Where the worker's script looks for its `fixed` file. */
  dir: string;
  /** Starts the worker on WORK_QUEUE (once the queue exists). */
  startWorker(): Promise<AjcProcess>;
  /** Starts `ajc task cron scheduler NAME` (it campaigns for the leadership at once). */
  startScheduler(name: string): AjcProcess;
  /** POSTs a task over HTTP, as any client would; returns its id. */
  enqueue(type: string, queue: string, payload?: unknown): Promise<string>;
  close(): Promise<void>;
}

export async function startConsoleEnv(opts: { colorScheme?: "light" | "dark" } = {}): Promise<ConsoleEnv> {
  ajcBinary();
  const dir = mkdtempSync(join(tmpdir(), "ajc-console-e2e-"));
  const nats = await startNats();
  const client = await Client.connect({ connection: { servers: nats.url } });
  await client.createQueue({ name: BOOT_QUEUE });
  const port = await freePort();
  const server = spawnAjc(["server", "run", "--queue", BOOT_QUEUE, "--bind", `127.0.0.1:${port}`], {
    env: { NATS_URL: nats.url },
  });
  await server.waitFor("operator console at");
  const url = `http://127.0.0.1:${port}`;
  const { chromium } = await import("playwright-core");
  const profile = join(dir, "profile");
  const browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1280, height: 860 },
    colorScheme: opts.colorScheme ?? "light",
  });
  const workers: AjcProcess[] = [];
  return {
    nats,
    client,
    server,
    url,
    browser,
    dir,
    async startWorker() {
      const w = spawnAjc(["task", "process", "", WORK_QUEUE, "2", workerScript(dir)], {
        env: { NATS_URL: nats.url },
      });
      workers.push(w);
      await w.waitFor("Processing");
      return w;
    },
    startScheduler(name) {
      const s = spawnAjc(["task", "cron", "scheduler", name], { env: { NATS_URL: nats.url } });
      workers.push(s);
      return s;
    },
    async enqueue(type, queue, payload = { hello: "world" }) {
      const r = await fetch(`${url}/v1/tasks`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ type, queue, payload }),
      });
      if (r.status !== 201) throw new Error(`enqueue: ${r.status} ${await r.text()}`);
      return ((await r.json()) as { id: string }).id;
    },
    async close() {
      await browser.close().catch(() => {});
      for (const w of workers) await w.stop("SIGKILL");
      await server.stop("SIGKILL");
      await client.close();
      await nats.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
