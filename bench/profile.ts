/**
 * CPU profiles of the hot paths, with Bun's sampling profiler (`--cpu-prof-md`), for finding what
 * to optimise. Not part of `npm run bench`:
 *
 *   bun bench/profile.ts server [SECONDS]   ajc server run (from source) under wrk POST /v1/tasks, 16 conns
 *   bun bench/profile.ts worker [TASKS]     the TS worker API (no-op handler, concurrency 32) draining TASKS
 *   bun bench/profile.ts floor [SECONDS]    the HTTP floor: bench/floor-server.ts (node:http and Bun.serve
 *                                           answering POST with a canned task, no NATS) under the same wrk load
 *
 * Writes the Markdown profile to .tmp/profile/<what>.md (git-ignored) and prints where it is, with
 * the NATS messages exchanged per request or task.
 */
import { copyFileSync, mkdirSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { Client } from "../src/client.ts";
import { defaultQueue } from "../src/core/queue.ts";
import { EVENTS_WILDCARD } from "../src/store/subjects.ts";
import { connCounters, connectRaw, startNats } from "./nats.ts";
import { cpuSeconds } from "./proc-stats.ts";
import { cleanup, installCleanupHandlers, stop, tempDir, track } from "./procs.ts";
import { startServer } from "./server.ts";
import { fillTasks } from "./tasks.ts";
import { findWrk, runWrk } from "./wrk.ts";

const ROOT = join(import.meta.dir, "..");
const OUT = join(ROOT, ".tmp", "profile");
const [what = "server", amount] = process.argv.slice(2);

function saveProfile(dir: string, name: string): string {
  const md = readdirSync(dir).find((f) => f.endsWith(".md"));
  if (!md) throw new Error(`no profile written in ${dir}`);
  mkdirSync(OUT, { recursive: true });
  const dest = join(OUT, `${name}.md`);
  copyFileSync(join(dir, md), dest);
  return dest;
}

async function profileServer(natsUrl: string, monitorUrl: string, seconds: number): Promise<void> {
  const wrk = findWrk();
  if (!wrk) throw new Error("wrk is not installed");
  const dir = tempDir("prof");
  const server = await startServer(
    [process.execPath, "--cpu-prof-md", `--cpu-prof-dir=${dir}`, join(ROOT, "src", "main.ts")],
    natsUrl,
    "BENCH",
  );
  // Warm up (JIT) before the counted run.
  await runWrk(wrk.path, "post", `${server.base}/v1/tasks`, 16, 2);
  const c0 = await connCounters(monitorUrl, "ajc server");
  const r = await runWrk(wrk.path, "post", `${server.base}/v1/tasks`, 16, seconds);
  const c1 = await connCounters(monitorUrl, "ajc server");
  await server.close();
  console.log(
    `POST /v1/tasks at 16 conns: ${r.requests} requests, ${Math.round(r.requests / (r.duration_us / 1e6))}/s, p99 ${r.p99_us / 1000} ms; NATS msgs per request: ${((c1.inMsgs - c0.inMsgs) / r.requests).toFixed(2)} in, ${((c1.outMsgs - c0.outMsgs) / r.requests).toFixed(2)} out`,
  );
  console.log(`profile: ${saveProfile(dir, "server-post")}`);
}

async function profileWorker(natsUrl: string, tasks: number): Promise<void> {
  const client = await Client.connect({ connection: { servers: natsUrl } });
  const nc = await connectRaw(natsUrl, "bench profile");
  const queue = "BENCH_PROFILE";
  await client.ensureQueue(defaultQueue(queue));
  await fillTasks(nc, tasks, { queue });
  let done = 0;
  let first = 0;
  const finished = new Promise<void>((resolve) => {
    nc.subscribe(EVENTS_WILDCARD, {
      callback: (_e, m) => {
        const s = m.json<{ state: string }>().state;
        if (s === "active" && first === 0) first = performance.now();
        if (s === "complete" && ++done === tasks) resolve();
      },
    });
  });
  const dir = tempDir("prof");
  const p = track(
    Bun.spawn(
      [
        process.execPath,
        "--cpu-prof-md",
        `--cpu-prof-dir=${dir}`,
        join(import.meta.dir, "drain-child.ts"),
        "worker",
        natsUrl,
        queue,
        "32",
      ],
      { stdout: "ignore", stderr: "inherit" },
    ),
  );
  await finished;
  const secs = (performance.now() - first) / 1000;
  await stop(p);
  console.log(
    `TS worker, concurrency 32: ${tasks} tasks in ${secs.toFixed(2)}s = ${Math.round(tasks / secs)}/s`,
  );
  console.log(`profile: ${saveProfile(dir, "worker")}`);
  await nc.drain();
  await client.close();
}

/** req/s and CPU per request of a server that does nothing but HTTP, with each server API. */
async function floor(seconds: number): Promise<void> {
  const wrk = findWrk();
  if (!wrk) throw new Error("wrk is not installed");
  for (const api of ["node", "bun"]) {
    const p = track(
      Bun.spawn([process.execPath, join(import.meta.dir, "floor-server.ts"), api], {
        stdout: "pipe",
        stderr: "inherit",
      }),
    );
    const { value } = await p.stdout.getReader().read();
    const url = `http://127.0.0.1:${Number(new TextDecoder().decode(value).trim())}/v1/tasks`;
    await runWrk(wrk.path, "post", url, 16, 2);
    for (const conns of [16, 64]) {
      const c0 = cpuSeconds(p.pid) ?? 0;
      const r = await runWrk(wrk.path, "post", url, conns, seconds);
      const c1 = cpuSeconds(p.pid) ?? c0;
      console.log(
        `${api === "node" ? "node:http" : "Bun.serve"} ${conns} conns: ${Math.round(r.requests / (r.duration_us / 1e6))} req/s, p99 ${r.p99_us / 1000} ms, CPU ${(((c1 - c0) / r.requests) * 1000).toFixed(3)} ms/req`,
      );
    }
    await stop(p);
  }
}

installCleanupHandlers();
if (what === "floor") {
  try {
    await floor(Number(amount ?? 5));
  } finally {
    await cleanup();
  }
  process.exit(0);
}
const nats = await startNats();
try {
  const setup = await Client.connect({ connection: { servers: nats.url } });
  await setup.ensureQueue(defaultQueue("BENCH"));
  await setup.close();
  if (what === "server") await profileServer(nats.url, nats.monitorUrl, Number(amount ?? 10));
  else if (what === "worker") await profileWorker(nats.url, Number(amount ?? 20_000));
  else throw new Error("usage: bun bench/profile.ts server [SECONDS] | worker [TASKS] | floor [SECONDS]");
} finally {
  await nats.close();
  await cleanup();
}
