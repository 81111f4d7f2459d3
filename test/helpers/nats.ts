/**
 * Starts a private `nats-server -js` for one test file: a free port on loopback, a temporary store,
 * stopped (and the store removed) afterwards. No NATS mock anywhere. AJC_NATS_SERVER picks the binary.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface NatsServer {
  url: string;
  port: number;
  storeDir: string;
  /** Stops the server (SIGTERM, or SIGKILL with `hard`); the store is kept for `start()`. */
  stop(hard?: boolean): Promise<void>;
  /** Starts it again on the same port and store. */
  start(): Promise<void>;
  /** Stops it and removes the store. */
  close(): Promise<void>;
}

/** A TCP port nothing listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * The nats-server to run: AJC_NATS_SERVER (a path) when set, so the whole suite can run against
 * another release (`npm run test:interop` does for several), else the one on PATH.
 */
export function natsServerBinary(): string {
  const chosen = process.env.AJC_NATS_SERVER;
  if (chosen) {
    if (!existsSync(chosen)) throw new Error(`AJC_NATS_SERVER=${chosen}: no such file`);
    return chosen;
  }
  const found = spawnSync("sh", ["-c", "command -v nats-server"], { encoding: "utf8" }).stdout.trim();
  if (!found) {
    throw new Error(
      "nats-server is not installed: `apt-get install nats-server` (Debian/Ubuntu) or get a release of nats-server",
    );
  }
  return found;
}

/** True when something accepts TCP connections on 127.0.0.1:`port`. */
export function portListening(port: number): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    Bun.connect({
      hostname: "127.0.0.1",
      port,
      socket: {
        open(sock) {
          sock.end();
          resolve(true);
        },
        data() {},
        error() {
          resolve(false);
        },
        connectError() {
          resolve(false);
        },
      },
    }).catch(() => resolve(false));
  });
}

async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await portListening(port)) return;
    await Bun.sleep(25);
  }
  throw new Error(`nats-server did not listen on ${port} within ${timeoutMs}ms`);
}

/** Starts a JetStream-enabled nats-server on a free port with a temporary store. */
export async function startNats(): Promise<NatsServer> {
  const bin = natsServerBinary();
  const port = await freePort();
  const storeDir = mkdtempSync(join(tmpdir(), "ajc-nats-"));
  let proc: ReturnType<typeof Bun.spawn> | undefined;
  const start = async () => {
    proc = Bun.spawn([bin, "-js", "-a", "127.0.0.1", "-p", String(port), "-sd", storeDir], {
      stdout: "ignore",
      stderr: "ignore",
    });
    await waitForPort(port, 10_000);
  };
  const stop = async (hard = false) => {
    if (!proc) return;
    proc.kill(hard ? "SIGKILL" : "SIGTERM");
    await proc.exited;
    proc = undefined;
  };
  await start();
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    storeDir,
    stop,
    start,
    async close() {
      await stop();
      rmSync(storeDir, { recursive: true, force: true });
    },
  };
}
