/**
 * Several NATS URLs, through the compiled binary: `-s a,b,c`, `NATS_URL` with commas and a NATS
 * context whose `url` lists several servers each reach the cluster while the first node listed is
 * down; a server whose node dies moves to another and stays ready without a restart.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ajcBinary, runAjc } from "../helpers/binary.ts";
import { type Cluster, startCluster } from "../helpers/cluster.ts";
import { ServerProcess, until } from "../helpers/reliability.ts";
import { describeCluster } from "./gate.ts";

describeCluster("several NATS URLs", () => {
  let cluster: Cluster;
  let home: string;
  beforeAll(async () => {
    ajcBinary();
    cluster = await startCluster();
    home = mkdtempSync(join(tmpdir(), "ajc-cluster-ctx-"));
    mkdirSync(join(home, "nats", "context"), { recursive: true });
    writeFileSync(join(home, "nats", "context", "three.json"), JSON.stringify({ url: cluster.urls }));
    const r = await runAjc(["task", "initialize", "--replicas", "3"], { env: { NATS_URL: cluster.urls } });
    expect(r.code).toBe(0);
  });
  afterAll(async () => {
    await cluster?.close();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  test("-s a,b,c, NATS_URL a,b,c and a context with three servers work with the first node down", async () => {
    const first = cluster.nodes[0]!;
    await first.stop();
    try {
      await cluster.streamLeader("CHORIA_AJ_TASKS", { not: first.name });
      const viaFlag = await runAjc(["info", "-s", cluster.urls]);
      expect(viaFlag.stderr).toBe("");
      expect(viaFlag.stdout).toContain("Replication:");
      const viaEnv = await runAjc(["task", "ls"], { env: { NATS_URL: cluster.urls } });
      expect(viaEnv.stderr).toBe("");
      expect(viaEnv.code).toBe(0);
      const viaContext = await runAjc(["--context", "three", "queue", "ls"], {
        env: { XDG_CONFIG_HOME: home },
      });
      expect(viaContext.stderr).toBe("");
      expect(viaContext.code).toBe(0);
      // Only dead servers: one clear line naming them.
      const dead = await runAjc(["info", "-s", first.url], { timeoutMs: 60_000 });
      expect(dead.code).not.toBe(0);
      expect(dead.stderr).toContain(`cannot connect to NATS at ${first.url}`);
    } finally {
      await first.start();
    }
    await cluster.streamLeader("CHORIA_AJ_TASKS", { current: 3 });
    await cluster.metaLeader(30_000, true);
  });

  test("a server whose node is killed reconnects to another and stays ready", async () => {
    const server = await ServerProcess.start(cluster.urls, ["--allow-create-default", "--replicas", "3"]);
    try {
      const pid = server.pid;
      const on = cluster.nodesOf(pid)[0]!;
      expect(on).toBeDefined();
      await on.stop(true);
      const killedAt = Date.now();
      await until(
        "the server on another node",
        async () => {
          const now = cluster.nodesOf(pid);
          return now.length > 0 && !now.includes(on);
        },
        20_000,
      );
      const movedMs = Date.now() - killedAt;
      await until("/readyz 200", async () => (await server.call("GET", "/readyz")).status === 200, 20_000);
      // The queue's own stream may still be electing a leader (readiness checks the task store and
      // the configuration bucket, as Go's does): a client retries with its key until it is stored.
      let created = { status: 0 } as { status: number; body?: { error?: { code?: string } } };
      await until(
        "the task stored",
        async () => {
          created = await server.call("POST", "/v1/tasks", {
            json: { type: "after", payload: {} },
            headers: { "Idempotency-Key": "after-the-kill" },
          });
          if (created.status >= 400 && created.body?.error?.code !== "unavailable") return true;
          return created.status === 201 || created.status === 200;
        },
        30_000,
      );
      expect([200, 201]).toContain(created.status);
      expect(server.pid).toBe(pid);
      expect(server.output()).toContain("NATS reconnected");
      console.log(`server moved from ${on.name} to ${cluster.nodesOf(pid)[0]?.name} in ${movedMs} ms`);
      await on.start();
    } finally {
      await server.stop();
    }
  });
});
