/** The cluster helper itself: routes form, leaders move when a node dies, a frozen node thaws. */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { type Cluster, startCluster } from "../helpers/cluster.ts";
import { describeCluster } from "./gate.ts";

describeCluster("three-node cluster helper", () => {
  let cluster: Cluster;
  let nc: NatsConnection;
  beforeAll(async () => {
    cluster = await startCluster();
    nc = await connect({
      servers: cluster.urls.split(","),
      maxReconnectAttempts: -1,
      reconnectTimeWait: 200,
    });
  });
  afterAll(async () => {
    await nc?.close();
    await cluster?.close();
  });

  test("an R3 stream gets a leader, which moves when its node is killed and comes back", async () => {
    const jsm = await jetstreamManager(nc);
    await jsm.streams.add({ name: "HELPER", subjects: ["helper.>"], num_replicas: 3 });
    const first = await cluster.streamLeader("HELPER", { current: 3 });
    await first.stop(true);
    const second = await cluster.streamLeader("HELPER", { not: first.name });
    expect(second.name).not.toBe(first.name);
    await first.start();
    await cluster.streamLeader("HELPER", { current: 3 });
    const js = jsm.jetstream();
    expect((await js.publish("helper.a", "x")).stream).toBe("HELPER");
  });

  test("killing the meta leader elects another; a frozen node thaws into the cluster", async () => {
    const meta = await cluster.metaLeader();
    await meta.stop(true);
    const next = await cluster.metaLeader();
    expect(next.name).not.toBe(meta.name);
    await meta.start();
    // Not the node this connection is on: a frozen node's clients wait for pings to give up.
    const other = cluster.nodes.find((n) => n.name !== next.name && n.name !== nc.info?.server_name)!;
    other.freeze();
    const jsm = await jetstreamManager(nc);
    // Two nodes of three still make a quorum: the stream answers while one is frozen (after a
    // new election, when the frozen node led it).
    let name: string | undefined;
    const deadline = Date.now() + 20_000;
    while (!name && Date.now() < deadline) {
      name = await jsm.streams.info("HELPER").then(
        (si) => si.config.name,
        () => undefined,
      );
    }
    expect(name).toBe("HELPER");
    other.thaw();
    await cluster.streamLeader("HELPER", { current: 3 });
  });
});
