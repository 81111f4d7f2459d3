/**
 * A three-node JetStream cluster on loopback for the cluster tests: each node a real
 * `nats-server` with its own free client, route and monitoring ports, a temporary store and a
 * generated config file naming the other nodes' routes. Each node can be stopped, killed
 * (SIGKILL), frozen (SIGSTOP, then SIGCONT) and started again on the same ports and store.
 *
 * The binary: AJC_NATS_SERVER when set, else a current release built with Go (through the Go
 * module proxy, into the interop cache) when Go is installed, else the one on PATH (Debian's).
 */
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { goVersion, NEWEST_NATS_RELEASE, natsServerRelease } from "../interop/go-tools.ts";
import { freePort, natsServerBinary, portListening } from "./nats.ts";

/** The nats-server release the cluster tests prefer when Go can build it: the newest the interop tests build. */
export const CLUSTER_NATS_VERSION = NEWEST_NATS_RELEASE;

/** One node of the cluster. */
export interface ClusterNode {
  /** `n1`, `n2`, `n3`: the node's `server_name`, as stream leaders are reported. */
  name: string;
  url: string;
  port: number;
  /** The monitoring port (`/jsz`, `/healthz`). */
  httpPort: number;
  storeDir: string;
  /** Whether the process is running (frozen counts as running). */
  readonly running: boolean;
  /** The process id while running. */
  readonly pid: number | undefined;
  /** SIGTERM (or SIGKILL with `hard`) and wait for the exit; the store is kept. */
  stop(hard?: boolean): Promise<void>;
  /** Starts the node again on the same ports and store and waits for it to listen. */
  start(): Promise<void>;
  /** SIGSTOP: the node keeps its sockets open but answers nothing. */
  freeze(): void;
  /** SIGCONT after `freeze`. */
  thaw(): void;
}

/** Three routed nodes and ways to wait for their leaders. */
export interface Cluster {
  nodes: ClusterNode[];
  /** Every node's client URL, comma-separated, as `-s` and NATS_URL take them. */
  urls: string;
  /** The binary the nodes run and its version line. */
  binary: string;
  version: string;
  /** The node by its server name. */
  node(name: string): ClusterNode;
  /**
   * Waits until a running node reports a meta leader (with `allOnline`, one that sees every
   * other node current, so new streams can be placed on all of them); returns its node.
   */
  metaLeader(timeoutMs?: number, allOnline?: boolean): Promise<ClusterNode>;
  /**
   * Waits until `stream` has a leader (other than `not`, when given) and, with `current`, that
   * many replicas caught up; returns the leader's node.
   */
  streamLeader(
    stream: string,
    opts?: { not?: string; timeoutMs?: number; current?: number },
  ): Promise<ClusterNode>;
  /**
   * The nodes process `pid` holds established client connections to (read from /proc: its socket
   * inodes against /proc/net/tcp), so a test can tell which node an ajc process uses.
   */
  nodesOf(pid: number): ClusterNode[];
  /** Waits until JetStream answers an account-info request through the running nodes. */
  jetStreamReady(timeoutMs?: number): Promise<void>;
  /** Stops every node and removes the stores. */
  close(): Promise<void>;
}

/** Which nats-server the cluster runs: see the module comment. */
export function clusterNatsBinary(): string {
  if (process.env.AJC_NATS_SERVER) return natsServerBinary();
  if (goVersion()) {
    try {
      return natsServerRelease(CLUSTER_NATS_VERSION);
    } catch (err) {
      console.warn(`building nats-server ${CLUSTER_NATS_VERSION} failed, using the installed one: ${err}`);
    }
  }
  return natsServerBinary();
}

async function poll<T>(what: string, timeoutMs: number, fn: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    await Bun.sleep(100);
  }
  throw new Error(`cluster: ${what} not within ${timeoutMs}ms${last ? `: ${last}` : ""}`);
}

interface Ports {
  client: number;
  route: number;
  http: number;
}

function configText(name: string, p: Ports, storeDir: string, peers: Ports[]): string {
  const routes = peers.map((q) => `nats://127.0.0.1:${q.route}`).join(", ");
  return `server_name: ${name}
listen: 127.0.0.1:${p.client}
http: 127.0.0.1:${p.http}
jetstream { store_dir: "${storeDir}" }
cluster {
  name: ajc-test
  listen: 127.0.0.1:${p.route}
  routes: [${routes}]
}
`;
}

/** Starts three routed JetStream nodes and waits for a meta leader and JetStream to answer. */
export async function startCluster(opts: { size?: number } = {}): Promise<Cluster> {
  const binary = clusterNatsBinary();
  if (!existsSync(binary)) throw new Error(`nats-server binary ${binary} does not exist`);
  const version = Bun.spawnSync([binary, "--version"]).stdout.toString().trim();
  const size = opts.size ?? 3;
  const ports: Ports[] = [];
  for (let i = 0; i < size; i++) {
    ports.push({ client: await freePort(), route: await freePort(), http: await freePort() });
  }
  const root = mkdtempSync(join(tmpdir(), "ajc-cluster-"));
  const nodes: ClusterNode[] = ports.map((p, i) => {
    const name = `n${i + 1}`;
    const storeDir = join(root, name);
    const conf = join(root, `${name}.conf`);
    writeFileSync(
      conf,
      configText(
        name,
        p,
        storeDir,
        ports.filter((q) => q !== p),
      ),
    );
    let proc: ReturnType<typeof Bun.spawn> | undefined;
    const node: ClusterNode = {
      name,
      url: `nats://127.0.0.1:${p.client}`,
      port: p.client,
      httpPort: p.http,
      storeDir,
      get running() {
        return proc !== undefined;
      },
      get pid() {
        return proc?.pid;
      },
      async start() {
        if (proc) return;
        proc = Bun.spawn([binary, "-c", conf], { stdout: "ignore", stderr: "ignore" });
        const me = proc;
        await poll(`${name} listening`, 15_000, async () => {
          if (me.exitCode !== null) throw new Error(`${name} exited with ${me.exitCode}`);
          return (await portListening(p.client)) || undefined;
        });
      },
      async stop(hard = false) {
        if (!proc) return;
        const p2 = proc;
        proc = undefined;
        p2.kill("SIGCONT");
        p2.kill(hard ? "SIGKILL" : "SIGTERM");
        await p2.exited;
      },
      freeze() {
        proc?.kill("SIGSTOP");
      },
      thaw() {
        proc?.kill("SIGCONT");
      },
    };
    return node;
  });
  const byName = (n: string) => {
    const found = nodes.find((x) => x.name === n);
    if (!found) throw new Error(`cluster: no node ${n}`);
    return found;
  };
  const jsz = async (n: ClusterNode) => {
    const ctl = AbortSignal.timeout(1000);
    const r = await fetch(`http://127.0.0.1:${n.httpPort}/jsz`, { signal: ctl });
    return (await r.json()) as {
      meta_cluster?: { leader?: string; replicas?: { name: string; current?: boolean; offline?: boolean }[] };
    };
  };
  const cluster: Cluster = {
    nodes,
    urls: nodes.map((n) => n.url).join(","),
    binary,
    version,
    node: byName,
    async metaLeader(timeoutMs = 30_000, allOnline = false) {
      return poll(allOnline ? "a meta leader seeing every node" : "a meta leader", timeoutMs, async () => {
        for (const n of nodes.filter((x) => x.running)) {
          const leader = await jsz(n).then(
            (j) => j.meta_cluster?.leader,
            () => undefined,
          );
          if (!leader || !byName(leader).running) continue;
          if (!allOnline) return byName(leader);
          const peers = await jsz(byName(leader)).then(
            (j) => j.meta_cluster?.replicas ?? [],
            () => [],
          );
          const ok = peers.filter((r) => r.current && !r.offline).length === nodes.length - 1;
          return ok ? byName(leader) : undefined;
        }
        return undefined;
      });
    },
    async streamLeader(stream, o = {}) {
      let nc: NatsConnection | undefined;
      try {
        return await poll(`a leader for stream ${stream}`, o.timeoutMs ?? 30_000, async () => {
          nc ??= await connect({
            servers: nodes.filter((x) => x.running).map((x) => x.url),
            timeout: 2000,
            maxReconnectAttempts: -1,
          });
          const jsm = await jetstreamManager(nc, { timeout: 2000 });
          const si = await jsm.streams.info(stream);
          const leader = si.cluster?.leader;
          if (!leader || leader === o.not || !byName(leader).running) return undefined;
          if (o.current !== undefined) {
            const current = 1 + (si.cluster?.replicas ?? []).filter((r) => r.current).length;
            if (current < o.current) return undefined;
          }
          return byName(leader);
        });
      } finally {
        await nc?.close().catch(() => {});
      }
    },
    nodesOf(pid) {
      const inodes = new Set<string>();
      for (const fd of readdirSync(`/proc/${pid}/fd`)) {
        try {
          const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
          if (m?.[1]) inodes.add(m[1]);
        } catch {
          // closed meanwhile
        }
      }
      const ports = new Set<number>();
      for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
        let text = "";
        try {
          text = readFileSync(table, "utf8");
        } catch {
          continue;
        }
        for (const line of text.split("\n").slice(1)) {
          const f = line.trim().split(/\s+/);
          // f[2] remote address:port (hex), f[3] state (01 established), f[9] inode
          if (f.length < 10 || f[3] !== "01" || !inodes.has(f[9] ?? "")) continue;
          ports.add(Number.parseInt(f[2]?.split(":")[1] ?? "", 16));
        }
      }
      return nodes.filter((n) => ports.has(n.port));
    },
    async jetStreamReady(timeoutMs = 30_000) {
      let nc: NatsConnection | undefined;
      try {
        await poll("JetStream to answer", timeoutMs, async () => {
          nc ??= await connect({
            servers: nodes.filter((x) => x.running).map((x) => x.url),
            timeout: 2000,
            maxReconnectAttempts: -1,
          });
          await jetstreamManager(nc, { timeout: 2000 });
          return true;
        });
      } finally {
        await nc?.close().catch(() => {});
      }
    },
    async close() {
      await Promise.all(nodes.map((n) => n.stop(true)));
      rmSync(root, { recursive: true, force: true });
    },
  };
  try {
    await Promise.all(nodes.map((n) => n.start()));
    // Every node current, so the first R3 stream can be placed at once (a meta leader that does
    // not see its peers yet makes a create wait, and a short client timeout fail).
    await cluster.metaLeader(60_000, true);
    await cluster.jetStreamReady();
  } catch (err) {
    await cluster.close();
    throw err;
  }
  return cluster;
}
