/**
 * Two of three nodes lost at once, under load, against the compiled binary: with no quorum no
 * stream can take a write, so the server must refuse every enqueue with the `unavailable`
 * envelope (503, or 504 for a write cut off with its outcome unknown), never a 4xx, a 500 or an
 * acknowledgement it cannot keep; once one node is back the cluster has
 * a quorum again and the same server (no restart) stores again. Every acknowledged task is then in
 * the store once with its work item, and the unanswered requests sent again with their
 * Idempotency-Key are stored once.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { Client } from "../../src/client.ts";
import { ajcBinary, runAjc } from "../helpers/binary.ts";
import { type Cluster, startCluster } from "../helpers/cluster.ts";
import {
  account,
  enqueueLoad,
  report,
  resendUnanswered,
  ServerProcess,
  until,
} from "../helpers/reliability.ts";
import { describeCluster } from "./gate.ts";

const QUEUE = "QUORUM";
const TYPE = "quorum";
const STREAMS = ["CHORIA_AJ_TASKS", `CHORIA_AJ_Q_${QUEUE}`, "KV_AJC_IDEMPOTENCY"];

describeCluster("two nodes lost at once", () => {
  let cluster: Cluster;
  let server: ServerProcess;
  let client: Client | undefined;

  beforeAll(async () => {
    ajcBinary();
    cluster = await startCluster();
    for (const args of [
      ["task", "initialize", "--replicas", "3"],
      ["queue", "add", QUEUE, "--replicas", "3"],
    ]) {
      const r = await runAjc(args, { env: { NATS_URL: cluster.urls } });
      if (r.code !== 0) throw new Error(`ajc ${args.join(" ")}: ${r.stderr}`);
    }
    server = await ServerProcess.start(cluster.urls, ["--queue", QUEUE, "--replicas", "3"]);
  }, 120_000);

  afterAll(async () => {
    await client?.close().catch(() => {});
    await server?.kill9();
    await cluster?.close();
  });

  test("no quorum: only `unavailable` refusals; one node back: stored again, nothing lost or doubled", async () => {
    const load = enqueueLoad({
      url: () => server.url,
      run: "q",
      type: TYPE,
      clients: 2,
      perClientRate: 5,
      maxSeconds: 300,
      timeoutMs: 40_000,
    });
    await Bun.sleep(2_000);
    // The two nodes the server is not connected to, so it keeps a node to talk to.
    const on = cluster.nodesOf(server.pid);
    const lost = cluster.nodes.filter((n) => !on.includes(n)).slice(0, 2);
    if (lost.length < 2) lost.push(...on.slice(0, 2 - lost.length));
    await Promise.all(lost.map((n) => n.stop(true)));
    const lostAt = Date.now();

    // Readiness reads the stores, and a replica without quorum may still answer a read for a
    // while: it is sampled for the report, not asserted (writes are what cannot succeed).
    const readiness: number[] = [];
    while (Date.now() - lostAt < 15_000) {
      readiness.push((await server.call("GET", "/readyz", { timeoutMs: 5_000 })).status);
      await Bun.sleep(500);
    }
    const duringOutage = load.records.filter((e) => (e.attempts[0]?.at ?? 0) > lostAt + 5_000);

    await lost[0]!.start();
    const backAt = Date.now();
    for (const s of STREAMS) await cluster.streamLeader(s, { timeoutMs: 120_000 });
    await until(
      "/readyz 200 again",
      async () => (await server.call("GET", "/readyz")).status === 200,
      60_000,
    );
    const readyAfterMs = Date.now() - backAt;
    await Bun.sleep(3_000);
    await lost[1]!.start();
    for (const s of STREAMS) await cluster.streamLeader(s, { current: 3, timeoutMs: 120_000 });
    await load.stop();
    const resent = await resendUnanswered(server.url, load.records);

    client = await Client.connect({ connection: { servers: cluster.urls } });
    const a = await account(client, QUEUE, TYPE, load.records);
    // Acknowledged before any quorum was back (a request held until then may be stored after).
    const acceptedDuringOutage = duringOutage.filter((e) =>
      e.attempts.some((o) => (o.status === 200 || o.status === 201) && (o.at ?? 0) + o.ms < backAt),
    ).length;
    const notUnavailable = load.records
      .flatMap((e) => e.attempts)
      .filter(
        (o) =>
          o.status >= 400 &&
          !((o.status === 503 || o.status === 504) && o.body?.error?.code === "unavailable"),
      )
      .map((o) => `${o.status} ${JSON.stringify(o.body)}`);
    report("three-node cluster: two nodes lost at once (1 server x 2 clients x 5/s)", {
      natsServer: cluster.version,
      requests: a.requests,
      acknowledged: a.acknowledged,
      acknowledgedOnResend: a.acknowledgedOnResend,
      refused5xx: a.refused5xx,
      sentDuringOutage: duringOutage.length,
      acceptedDuringOutage,
      resent,
      readyzDuringOutage: [...new Set(readiness)].join(","),
      readyAfterQuorumMs: readyAfterMs,
      lost: a.lost,
      duplicates: a.duplicates,
      problems: a.problems,
    });

    expect(notUnavailable.slice(0, 10)).toEqual([]);
    // Requests sent well into the outage had no quorum to be stored with.
    expect(duringOutage.length).toBeGreaterThan(0);
    expect(acceptedDuringOutage).toBe(0);
    expect(a.problems).toEqual([]);
    expect(a.lost).toBe(0);
    expect(a.duplicates).toBe(0);
    expect(a.noAnswer).toBe(0);
    expect(a.acknowledged).toBe(a.requests);
    expect(a.acknowledgedOnResend).toBeGreaterThan(0);
  }, 400_000);
});
