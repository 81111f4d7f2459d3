/**
 * Replicated storage on a three-node cluster, through the compiled binary: `task initialize
 * --replicas`, `server run --replicas` (queues over POST /v1/queues, the idempotency bucket), the
 * start-up report of what has fewer replicas, `ajc info`'s replication table and refused counts.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { type JetStreamManager, jetstreamManager } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { ajcBinary, runAjc } from "../helpers/binary.ts";
import { type Cluster, startCluster } from "../helpers/cluster.ts";
import { ServerProcess } from "../helpers/reliability.ts";
import { describeCluster } from "./gate.ts";

describeCluster("replicated storage", () => {
  let cluster: Cluster;
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  let env: Record<string, string>;
  const replicasOf = async (stream: string) => (await jsm.streams.info(stream)).config.num_replicas;
  /** Waits (up to a minute) for the queue consumer's followers to be current; how many are. */
  const consumerFollowersCurrent = async (stream: string) => {
    const deadline = Date.now() + 60_000;
    let current = 0;
    while (current < 2 && Date.now() < deadline) {
      const ci = await jsm.consumers.info(stream, "WORKERS").catch(() => undefined);
      current = (ci?.cluster?.replicas ?? []).filter((r) => r.current).length;
      if (current < 2) await Bun.sleep(250);
    }
    return current;
  };

  beforeAll(async () => {
    ajcBinary();
    cluster = await startCluster();
    env = { NATS_URL: cluster.urls };
    nc = await connect({ servers: cluster.urls.split(","), maxReconnectAttempts: -1 });
    jsm = await jetstreamManager(nc);
  });
  afterAll(async () => {
    await nc?.close();
    await cluster?.close();
  });

  test("task initialize --replicas 3 makes the task store and every bucket beside it R3", async () => {
    let r = await runAjc(["task", "initialize", "--replicas", "3"], { env });
    // On a loaded machine placing a new R3 stream can outlast the 5 s JetStream request timeout;
    // the command is safe to run again (what exists is kept), as a user would.
    for (let i = 0; i < 3 && r.stderr.includes("did not answer in time"); i++) {
      r = await runAjc(["task", "initialize", "--replicas", "3"], { env });
    }
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    for (const s of [
      "CHORIA_AJ_TASKS",
      "KV_CHORIA_AJ_CONFIGURATION",
      "KV_CHORIA_AJ_ELECTIONS",
      "KV_AJC_IDEMPOTENCY",
    ]) {
      expect(await replicasOf(s)).toBe(3);
    }
  });

  test("impossible replica counts are refused with what to change", async () => {
    const five = await runAjc(["queue", "add", "FIVE", "--replicas", "5"], { env });
    expect(five.code).not.toBe(0);
    expect(five.stderr).toContain("fewer servers up than the replicas asked for");
    expect(five.stderr).toContain("--replicas");
    const seven = await runAjc(["server", "run", "--replicas", "7", "--allow-create-default"], { env });
    expect(seven.code).not.toBe(0);
    expect(seven.stderr).toContain("replicas must be between 1 and 5");
    const word = await runAjc(["server", "run", "--replicas", "three", "--allow-create-default"], {
      env,
    });
    expect(word.code).not.toBe(0);
    expect(word.stderr).toContain("--replicas must be a whole number");
  });

  test("server run --replicas 3 reports an R1 queue and makes what it creates R3", async () => {
    expect((await runAjc(["queue", "add", "OLD", "--replicas", "1"], { env })).code).toBe(0);
    const server = await ServerProcess.start(cluster.urls, ["--queue", "OLD", "--replicas", "3"]);
    try {
      expect(server.output()).toContain(
        "queue OLD has 1 replica, fewer than --replicas 3: raise with `ajc queue configure OLD --replicas 3`",
      );
      const made = await server.call("POST", "/v1/queues", { json: { name: "NEW" } });
      expect(made.status).toBe(201);
      expect(await replicasOf("CHORIA_AJ_Q_NEW")).toBe(3);
      // The suggested command does what it says.
      expect((await runAjc(["queue", "configure", "OLD", "--replicas", "3"], { env })).code).toBe(0);
      expect(await replicasOf("CHORIA_AJ_Q_OLD")).toBe(3);
      // Its WORKERS consumer too: a consumer keeps its replica count when only the stream changes.
      expect((await jsm.consumers.info("CHORIA_AJ_Q_OLD", "WORKERS")).config.num_replicas).toBe(3);
      // The new replicas catch up before the next test stops a node.
      await cluster.streamLeader("CHORIA_AJ_Q_OLD", { current: 3, timeoutMs: 60_000 });
      // ...and so do the consumer's (it is scaled after its stream).
      expect(await consumerFollowersCurrent("CHORIA_AJ_Q_OLD")).toBe(2);
    } finally {
      await server.stop();
    }
  });

  test("a queue whose stream was raised without its consumer is reported, and queue configure fixes both", async () => {
    expect((await runAjc(["queue", "add", "LEGACY", "--replicas", "1"], { env })).code).toBe(0);
    // As `nats stream edit --replicas 3` (or an older tool) does: the stream only.
    const si = await jsm.streams.info("CHORIA_AJ_Q_LEGACY");
    await jsm.streams.update("CHORIA_AJ_Q_LEGACY", { ...si.config, num_replicas: 3 });
    await cluster.streamLeader("CHORIA_AJ_Q_LEGACY", { current: 3, timeoutMs: 60_000 });
    const consumerCount = async () => {
      const ci = await jsm.consumers.info("CHORIA_AJ_Q_LEGACY", "WORKERS");
      return ci.config.num_replicas || 1 + (ci.cluster?.replicas?.length ?? 0);
    };
    const before = await consumerCount();
    const server = await ServerProcess.start(cluster.urls, ["--queue", "LEGACY", "--replicas", "3"]);
    const after = await consumerCount();
    try {
      // What the server reports is what the consumer has: nats-server scales an inheriting
      // consumer after its stream, or not, depending on the release, so the count may be moving.
      const reported =
        /queue LEGACY's WORKERS consumer has ([12]) replicas?, fewer than --replicas 3: raise with `ajc queue configure LEGACY --replicas 3`/.exec(
          server.output(),
        );
      if (before < 3 && after < 3) expect(reported).not.toBeNull();
      if (reported) expect(Number(reported[1])).toBeGreaterThanOrEqual(before);
      else expect(server.output()).not.toContain("LEGACY");
      console.log(`consumer replicas after the stream alone was raised: ${before}, then ${after}`);
    } finally {
      await server.stop();
    }
    expect((await runAjc(["queue", "configure", "LEGACY", "--replicas", "3"], { env })).code).toBe(0);
    expect((await jsm.consumers.info("CHORIA_AJ_Q_LEGACY", "WORKERS")).config.num_replicas).toBe(3);
    const info = await runAjc(["info", "--json"], { env });
    const row = (JSON.parse(info.stdout).replication as { name: string; consumerReplicas?: number }[]).find(
      (r) => r.name === "LEGACY",
    );
    expect(row?.consumerReplicas).toBe(3);
    expect(await consumerFollowersCurrent("CHORIA_AJ_Q_LEGACY")).toBe(2);
  });

  test("AJC_REPLICAS does the same from the environment; the idempotency bucket is created R3", async () => {
    await jsm.streams.delete("KV_AJC_IDEMPOTENCY");
    const server = await ServerProcess.startWith(cluster.urls, ["--queue", "NEW"], { AJC_REPLICAS: "3" });
    try {
      const r = await server.call("POST", "/v1/tasks", {
        json: { type: "t", payload: {} },
        headers: { "Idempotency-Key": "k1" },
      });
      expect(r.status).toBe(201);
      expect(await replicasOf("KV_AJC_IDEMPOTENCY")).toBe(3);
    } finally {
      await server.stop();
    }
  });

  test("ajc info shows replicas, leaders and a follower that is offline", async () => {
    const ok = await runAjc(["info"], { env });
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain("Replication:");
    expect(ok.stdout).toMatch(/CHORIA_AJ_TASKS\s+3\s+n[123]\s+none/);
    const leader = await cluster.streamLeader("CHORIA_AJ_TASKS");
    const follower = cluster.nodes.find((n) => n !== leader)!;
    await follower.stop(true);
    try {
      // The leader notices a follower gone after a few seconds without its heartbeats; until the
      // streams that node led have new leaders, `ajc info` may time out on them.
      let seen: { server: string; offline: boolean }[] = [];
      let last = "";
      const deadline = Date.now() + 30_000;
      while (Date.now() < deadline) {
        const down = await runAjc(["info", "--json"], { env });
        last = down.stderr;
        if (down.code !== 0) {
          expect(down.stderr).toContain("NATS did not answer in time");
          await Bun.sleep(500);
          continue;
        }
        const rows = JSON.parse(down.stdout).replication as {
          stream: string;
          lagging: { server: string; offline: boolean }[];
        }[];
        seen = rows.find((r) => r.stream === "CHORIA_AJ_TASKS")!.lagging;
        if (seen.some((l) => l.server === follower.name)) break;
        await Bun.sleep(500);
      }
      expect(`${seen.map((l) => l.server)} ${last}`).toContain(follower.name);
      const text = await runAjc(["info"], { env });
      expect(text.stdout).toMatch(new RegExp(`CHORIA_AJ_TASKS\\s+3\\s+n[123]\\s+.*${follower.name} \\(`));
    } finally {
      await follower.start();
    }
    await cluster.streamLeader("CHORIA_AJ_TASKS", { current: 3 });
  });
});
