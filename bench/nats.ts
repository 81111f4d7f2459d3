/**
 * A private `nats-server -js` for the benchmark: free ports on loopback (client and monitoring),
 * a temporary store, stopped and removed at the end. Also the raw NATS connection the benchmark
 * uses to fill stores and watch events, and the monitoring endpoint's per-connection counters.
 */
import { spawnSync } from "node:child_process";
import type { NatsConnection } from "@nats-io/nats-core";
import { connect } from "@nats-io/transport-node";
import { freePort } from "../test/helpers/nats.ts";
import { stop, tempDir, track } from "./procs.ts";

export interface BenchNats {
  url: string;
  monitorUrl: string;
  pid: number;
  version: string;
  close(): Promise<void>;
}

/** The test suite's free-port finder, shared so there is one. */
export { freePort };

/** Resolves once something accepts TCP connections on `port`. */
export async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ok = await Bun.connect({
      hostname: "127.0.0.1",
      port,
      socket: {
        data() {},
        open: (s) => {
          s.end();
        },
      },
    }).then(
      () => true,
      () => false,
    );
    if (ok) return;
    await Bun.sleep(10);
  }
  throw new Error(`nothing listened on port ${port} within ${timeoutMs}ms`);
}

export function natsServerVersion(binary = "nats-server"): string {
  const r = spawnSync(binary, ["--version"], { encoding: "utf8" });
  if (r.error || r.status !== 0) {
    throw new Error("nats-server is not installed (Debian: apt-get install nats-server)");
  }
  return r.stdout.trim();
}

/** Starts nats-server (the one on PATH, or `binary`) with JetStream and monitoring on free loopback ports. */
export async function startNats(binary = "nats-server"): Promise<BenchNats> {
  const version = natsServerVersion(binary);
  const port = await freePort();
  const monitor = await freePort();
  const storeDir = tempDir("nats");
  const proc = track(
    Bun.spawn(
      [binary, "-js", "-a", "127.0.0.1", "-p", String(port), "-m", String(monitor), "-sd", storeDir],
      { stdout: "ignore", stderr: "ignore" },
    ),
  );
  await waitForPort(port, 10_000);
  await waitForPort(monitor, 10_000);
  return {
    url: `nats://127.0.0.1:${port}`,
    monitorUrl: `http://127.0.0.1:${monitor}`,
    pid: proc.pid,
    version,
    close: async () => {
      await stop(proc);
    },
  };
}

/** A plain connection, set up as ajc's own (no async stack traces per request). */
export function connectRaw(url: string, name: string): Promise<NatsConnection> {
  return connect({ servers: url, name, noAsyncTraces: true });
}

/** Messages a named client connection has sent to (in) and received from (out) the server. */
export interface ConnCounters {
  inMsgs: number;
  outMsgs: number;
}

/** Totals of every connection whose name is `name`, from the monitoring endpoint. */
export async function connCounters(monitorUrl: string, name: string): Promise<ConnCounters> {
  const res = await fetch(`${monitorUrl}/connz?limit=1024`);
  const body = (await res.json()) as {
    connections?: { name?: string; in_msgs: number; out_msgs: number }[];
  };
  const out: ConnCounters = { inMsgs: 0, outMsgs: 0 };
  for (const c of body.connections ?? []) {
    if (c.name !== name) continue;
    out.inMsgs += c.in_msgs;
    out.outMsgs += c.out_msgs;
  }
  return out;
}
