/**
 * The high-availability set-up of docs/deployment.md as written: deploy/nats-cluster.conf.example
 * on three nodes (host names and ports swapped for loopback ones), then the documented commands
 * (`ajc task initialize --replicas 3`, `ajc queue add ... --replicas 3`, `ajc server run` with
 * AJC_REPLICAS=3 and the three URLs) give a replicated layout that `ajc info` reports.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ajcBinary, runAjc } from "../helpers/binary.ts";
import { clusterNatsBinary } from "../helpers/cluster.ts";
import { freePort } from "../helpers/nats.ts";
import { ServerProcess, until } from "../helpers/reliability.ts";
import { describeCluster } from "./gate.ts";

const EXAMPLE = join(import.meta.dir, "..", "..", "deploy", "nats-cluster.conf.example");
const DOCS = join(import.meta.dir, "..", "..", "docs", "deployment.md");

describeCluster("the documented three-node set-up", () => {
  const procs: ReturnType<typeof Bun.spawn>[] = [];
  let dir: string;
  let urls: string;
  beforeAll(async () => {
    ajcBinary();
    dir = mkdtempSync(join(tmpdir(), "ajc-ha-example-"));
    const example = readFileSync(EXAMPLE, "utf8");
    const ports = [];
    for (let i = 0; i < 3; i++)
      ports.push({ client: await freePort(), route: await freePort(), http: await freePort() });
    const bin = clusterNatsBinary();
    for (let i = 0; i < 3; i++) {
      let conf = example
        .replace("server_name: nats1", `server_name: nats${i + 1}`)
        .replace("listen: 0.0.0.0:4222", `listen: 127.0.0.1:${ports[i]!.client}`)
        .replace("http: 0.0.0.0:8222", `http: 127.0.0.1:${ports[i]!.http}`)
        .replace("listen: 0.0.0.0:6222", `listen: 127.0.0.1:${ports[i]!.route}`)
        .replace('store_dir: "/var/lib/nats/jetstream"', `store_dir: "${join(dir, `n${i + 1}`)}"`)
        .replace(/max_file_store: \S+/, "max_file_store: 1G")
        .replace(/max_memory_store: \S+/, "max_memory_store: 64M");
      for (let k = 0; k < 3; k++)
        conf = conf.replace(`nats://nats${k + 1}:6222`, `nats://127.0.0.1:${ports[k]!.route}`);
      // Every setting that names a host or a path was replaced.
      const settings = conf
        .split("\n")
        .filter((l) => !l.trim().startsWith("#"))
        .join("\n");
      expect(settings).not.toMatch(/nats[123]:|0\.0\.0\.0|\/var\/lib/);
      const path = join(dir, `n${i + 1}.conf`);
      writeFileSync(path, conf);
      const check = Bun.spawnSync([bin, "-c", path, "-t"]);
      expect(check.exitCode).toBe(0);
      procs.push(Bun.spawn([bin, "-c", path], { stdout: "ignore", stderr: "ignore" }));
    }
    urls = ports.map((p) => `nats://127.0.0.1:${p.client}`).join(",");
    await until(
      "JetStream in the cluster",
      async () =>
        (await runAjc(["task", "initialize", "--replicas", "3"], { env: { NATS_URL: urls } })).code === 0,
      60_000,
    );
  }, 90_000);
  afterAll(async () => {
    for (const p of procs) p.kill("SIGKILL");
    await Promise.all(procs.map((p) => p.exited));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test("the commands of the docs make every stream R3", async () => {
    const docs = readFileSync(DOCS, "utf8");
    // The commands this test runs are the documented ones.
    expect(docs).toContain("ajc task initialize --replicas 3");
    expect(docs).toContain("ajc queue add EMAIL --run-time 1h --replicas 3");
    expect(docs).toContain("AJC_REPLICAS=3");
    expect(docs).toContain("deploy/nats-cluster.conf.example");
    const env = { NATS_URL: urls };
    const q = await runAjc(["queue", "add", "EMAIL", "--run-time", "1h", "--replicas", "3"], { env });
    expect(q.stderr).toBe("");
    const server = await ServerProcess.startWith(urls, ["--queue", "EMAIL"], { AJC_REPLICAS: "3" });
    try {
      expect(server.output()).not.toContain("fewer than --replicas");
      const created = await server.call("POST", "/v1/tasks", {
        json: { type: "email:new", payload: {} },
        headers: { "Idempotency-Key": "ha-example" },
      });
      expect(created.status).toBe(201);
    } finally {
      await server.stop();
    }
    const info = await runAjc(["info", "--json"], { env });
    expect(info.code).toBe(0);
    const rows = JSON.parse(info.stdout).replication as { stream: string; replicas: number }[];
    expect(rows.map((r) => r.stream).sort()).toEqual([
      "CHORIA_AJ_Q_EMAIL",
      "CHORIA_AJ_TASKS",
      "KV_AJC_IDEMPOTENCY",
      "KV_CHORIA_AJ_CONFIGURATION",
      "KV_CHORIA_AJ_ELECTIONS",
    ]);
    for (const r of rows)
      expect({ stream: r.stream, replicas: r.replicas }).toEqual({ stream: r.stream, replicas: 3 });
  });
});
