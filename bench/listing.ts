/**
 * Part 3, listing: with SIZE tasks stored, `GET /v1/tasks?limit=1000` (JSON) and
 * `?stream=ndjson` through the server, timed end to end by reading the whole body; the full ndjson
 * stream over HTTP (`?stream=ndjson&limit=SIZE`: every task), with the server's peak RSS and CPU
 * sampled while it streams; and the same stream through the same code without HTTP, in a child
 * process whose peak memory is read. The server's CPU and peak RSS are sampled throughout.
 */
import { join } from "node:path";
import type { NatsConnection } from "@nats-io/nats-core";
import { PhaseMeter, settle } from "./proc-stats.ts";
import { track } from "./procs.ts";
import type { AjcServer } from "./server.ts";
import { median, round } from "./stats.ts";
import { fillTasks } from "./tasks.ts";

export interface Fetched {
  ms: number;
  bytes: number;
  tasks: number;
  /** 429 answers (another listing still running) retried before this one. */
  retried: number;
  status: number;
}

export interface ListRow {
  /** What was asked. */
  request: string;
  storeSize: number;
  runs: number;
  medianMs: number;
  tasks: number;
  tasksPerSecond: number;
  bytes: number;
  retried429: number;
  errors: number;
}

export interface StreamRow {
  storeSize: number;
  tasks: number;
  seconds: number;
  tasksPerSecond: number;
  bytes: number;
  baselineRssMB: number;
  peakRssMB: number;
  afterGcRssMB: number;
}

export interface ListingSize {
  storeSize: number;
  fillSeconds: number;
  rows: ListRow[];
  /** `?stream=ndjson&limit=<store size>`: how many tasks the server streamed, and what it took. */
  fullNdjsonOverHttp: {
    asked: number;
    returned: number;
    capped: boolean;
    ms: number;
    bytes: number;
    serverPeakRssMB: number;
    serverCpuSeconds: number;
  };
  /** Every task through Client.listTasks + encodeTask, no HTTP (child process). */
  libraryStream: StreamRow;
  serverPeakRssMB: number;
  serverCpuSeconds: number;
}

/** GETs `url` and reads the whole body; ndjson lines or the JSON `count` give the task count. */
async function fetchAll(url: string, ndjson: boolean): Promise<Fetched> {
  let retried = 0;
  for (;;) {
    const t0 = performance.now();
    const res = await fetch(url);
    if (res.status === 429 && retried < 100) {
      await res.arrayBuffer();
      retried++;
      await Bun.sleep(10);
      continue;
    }
    let bytes = 0;
    let lines = 0;
    let tail = "";
    const decoder = new TextDecoder();
    for await (const chunk of res.body ?? []) {
      bytes += chunk.length;
      if (ndjson) {
        for (let i = 0; i < chunk.length; i++) if (chunk[i] === 10) lines++;
      } else {
        tail = (tail + decoder.decode(chunk, { stream: true })).slice(-64);
      }
    }
    const ms = performance.now() - t0;
    const tasks = ndjson ? lines : Number(/"count":(\d+)\}\s*$/.exec(tail)?.[1] ?? -1);
    return { ms, bytes, tasks, retried, status: res.status };
  }
}

async function listRow(
  base: string,
  query: string,
  ndjson: boolean,
  storeSize: number,
  runs: number,
): Promise<ListRow> {
  const results: Fetched[] = [];
  for (let i = 0; i < runs; i++) results.push(await fetchAll(`${base}/v1/tasks?${query}`, ndjson));
  const ms = median(results.map((r) => r.ms));
  const tasks = results[0]!.tasks;
  return {
    request: `GET /v1/tasks?${query}`,
    storeSize,
    runs,
    medianMs: round(ms, 1),
    tasks,
    tasksPerSecond: round((tasks / ms) * 1000, 0),
    bytes: results[0]!.bytes,
    retried429: results.reduce((n, r) => n + r.retried, 0),
    errors: results.filter((r) => r.status !== 200 || r.tasks !== tasks).length,
  };
}

async function libraryStream(natsUrl: string, storeSize: number): Promise<StreamRow> {
  const p = track(
    Bun.spawn([process.execPath, join(import.meta.dir, "stream-child.ts"), natsUrl], {
      stdout: "pipe",
      stderr: "inherit",
    }),
  );
  const out = await new Response(p.stdout).text();
  const code = await p.exited;
  if (code !== 0) throw new Error(`stream-child exited with ${code}`);
  const r = JSON.parse(out) as {
    count: number;
    seconds: number;
    bytes: number;
    baselineRssMB: number;
    peakRssMB: number;
    afterGcRssMB: number;
  };
  return {
    storeSize,
    tasks: r.count,
    seconds: round(r.seconds, 3),
    tasksPerSecond: round(r.count / r.seconds, 0),
    bytes: r.bytes,
    baselineRssMB: round(r.baselineRssMB, 1),
    peakRssMB: round(r.peakRssMB, 1),
    afterGcRssMB: round(r.afterGcRssMB, 1),
  };
}

export async function runListing(o: {
  server: AjcServer;
  nc: NatsConnection;
  natsUrl: string;
  natsPid: number;
  sizes: number[];
  runs: number;
}): Promise<ListingSize[]> {
  const out: ListingSize[] = [];
  let stored = 0;
  // Warm the server's listing path (JIT) on a small store before anything is measured.
  await fillTasks(o.nc, 1000, { window: 1024 });
  stored = 1000;
  for (let i = 0; i < 3; i++) {
    await fetchAll(`${o.server.base}/v1/tasks?limit=1000`, false);
    await fetchAll(`${o.server.base}/v1/tasks?stream=ndjson&limit=1000`, true);
  }
  for (const size of o.sizes) {
    const t0 = performance.now();
    await fillTasks(o.nc, size - stored, { window: 1024 });
    const fillSeconds = round((performance.now() - t0) / 1000, 2);
    stored = size;
    await settle(o.natsPid);
    const meter = new PhaseMeter(o.server.pid);
    const rows = [
      await listRow(o.server.base, "limit=1000", false, size, o.runs),
      await listRow(o.server.base, "stream=ndjson&limit=1000", true, size, o.runs),
    ];
    const fullMeter = new PhaseMeter(o.server.pid);
    const full = await fetchAll(`${o.server.base}/v1/tasks?stream=ndjson&limit=${size}`, true);
    const fullPhase = fullMeter.stop();
    const phase = meter.stop();
    out.push({
      storeSize: size,
      fillSeconds,
      rows,
      fullNdjsonOverHttp: {
        asked: size,
        returned: full.tasks,
        capped: full.tasks < size,
        ms: round(full.ms, 1),
        bytes: full.bytes,
        serverPeakRssMB: round(fullPhase.peakRssMB, 1),
        serverCpuSeconds: round(fullPhase.cpuSeconds, 2),
      },
      libraryStream: await libraryStream(o.natsUrl, size),
      serverPeakRssMB: round(phase.peakRssMB, 1),
      serverCpuSeconds: round(phase.cpuSeconds, 2),
    });
  }
  return out;
}
