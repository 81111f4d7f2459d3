/**
 * Part 7, the live API, against the compiled `ajc server run`:
 *  - events delivered per second to 100 SSE clients (`GET /v1/events?kind=task`): once while the
 *    tasks are being stored (live), and once replaying a stored backlog (`after=`, every client
 *    from the same cursor), counted as `task` events received by all clients over the time from
 *    the first task stored (or the clients' connect) to the last client's last event;
 *  - the latency from a task's completion to the answer of a caller waiting on it
 *    (`GET /v1/tasks/{id}` with `Prefer: wait=30`): the clock starts as the completing save is
 *    sent to the task store, and stops when the waiting caller has the answer (p50/p99), one
 *    waiter at a time and 32 at once.
 * The clients run in the benchmark's process, so at 100 streams it may be the bottleneck, not the
 * server: the server's CPU is reported beside the rate.
 *
 * Runs on its own too: `bun bench/live.ts [--quick]` (a private nats-server, the binary rebuilt
 * when stale), printing its tables.
 */
import { join } from "node:path";
import type { NatsConnection } from "@nats-io/nats-core";
import { Client } from "../src/client.ts";
import { defaultQueue } from "../src/core/queue.ts";
import { ensureBinary } from "./machine.ts";
import { type BenchNats, connectRaw, startNats } from "./nats.ts";
import { PhaseMeter, settle } from "./proc-stats.ts";
import { cleanup, installCleanupHandlers } from "./procs.ts";
import { type AjcServer, startServer } from "./server.ts";
import { int, ms, percentile, round } from "./stats.ts";
import { fillTasks } from "./tasks.ts";

export interface SseRun {
  mode: "live" | "backlog";
  clients: number;
  /** Tasks stored: each client gets one `task` event per task. */
  tasks: number;
  seconds: number;
  /** `task` events received by all clients per second. */
  eventsPerSecond: number;
  serverCpuSeconds: number;
  serverPeakRssMB: number;
}

export interface WaitRun {
  /** Waiters completed at once. */
  concurrent: number;
  samples: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

export interface LiveResults {
  sse: SseRun[];
  wait: WaitRun[];
}

export interface LiveOptions {
  binary: string;
  natsUrl: string;
  natsPid: number;
  nc: NatsConnection;
  client: Client;
  queue: string;
  clients: number;
  tasks: number;
  waitSamples: number;
}

/** A streaming SSE reader that only counts `task` events. */
interface Counter {
  received: number;
  done: Promise<void>;
  close(): void;
}

const MARK = "event: task\n";

async function openCounter(url: string, expected: number, onDone: () => void): Promise<Counter> {
  const ac = new AbortController();
  const res = await fetch(url, { headers: { accept: "text/event-stream" }, signal: ac.signal });
  if (res.status !== 200) throw new Error(`GET /v1/events answered ${res.status}: ${await res.text()}`);
  const c: Counter = { received: 0, done: Promise.resolve(), close: () => ac.abort() };
  c.done = (async () => {
    const dec = new TextDecoder();
    let tail = "";
    try {
      for await (const chunk of res.body as ReadableStream<Uint8Array>) {
        const text = tail + dec.decode(chunk, { stream: true });
        let at = text.indexOf(MARK);
        while (at >= 0) {
          c.received++;
          at = text.indexOf(MARK, at + MARK.length);
        }
        tail = text.slice(-(MARK.length - 1));
        if (c.received >= expected) {
          onDone();
          return;
        }
      }
    } catch {
      // aborted
    }
  })();
  return c;
}

async function sseRun(o: LiveOptions, server: AjcServer, mode: "live" | "backlog"): Promise<SseRun> {
  await o.client.purgeTasks();
  const after = mode === "backlog" ? await o.client.lastTaskSeq() : undefined;
  if (mode === "backlog") await fillTasks(o.nc, o.tasks);
  await settle(o.natsPid);
  let finished = 0;
  let lastAt = 0;
  let allDone: () => void = () => {};
  const all = new Promise<void>((r) => {
    allDone = r;
  });
  const onDone = () => {
    finished++;
    lastAt = performance.now();
    if (finished === o.clients) allDone();
  };
  const url = `${server.base}/v1/events?kind=task${after === undefined ? "" : `&after=${after}`}`;
  const meter = new PhaseMeter(server.pid);
  const connected = performance.now();
  const counters = await Promise.all(
    Array.from({ length: o.clients }, () => openCounter(url, o.tasks, onDone)),
  );
  const started = mode === "live" ? performance.now() : connected;
  if (mode === "live") await fillTasks(o.nc, o.tasks);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`SSE ${mode}: not every client got ${o.tasks} events in 120 s`)),
      120_000,
    );
  });
  try {
    await Promise.race([all, timeout]);
  } finally {
    clearTimeout(timer);
    for (const c of counters) c.close();
  }
  const { cpuSeconds, peakRssMB } = meter.stop();
  const seconds = (lastAt - started) / 1000;
  return {
    mode,
    clients: o.clients,
    tasks: o.tasks,
    seconds: round(seconds, 3),
    eventsPerSecond: Math.round((o.clients * o.tasks) / seconds),
    serverCpuSeconds: round(cpuSeconds, 2),
    serverPeakRssMB: round(peakRssMB, 1),
  };
}

async function waitRun(o: LiveOptions, server: AjcServer, concurrent: number): Promise<WaitRun> {
  const latencies: number[] = [];
  const rounds = Math.max(1, Math.ceil(o.waitSamples / concurrent));
  for (let r = 0; r < rounds; r++) {
    const tasks = await Promise.all(
      Array.from({ length: concurrent }, () =>
        o.client.enqueue(o.client.newTask("bench:wait", null), o.queue),
      ),
    );
    const answered: number[] = new Array(concurrent).fill(0);
    const calls = tasks.map(async (t, i) => {
      const res = await fetch(`${server.base}/v1/tasks/${t.id}`, { headers: { prefer: "wait=30" } });
      const body = (await res.json()) as { state: string };
      answered[i] = performance.now();
      if (body.state !== "complete") throw new Error(`waited task ${t.id} answered ${body.state}`);
    });
    // Completing before the waiters are registered would measure a plain read: give them time.
    await Bun.sleep(50);
    const sent: number[] = new Array(concurrent).fill(0);
    await Promise.all(
      tasks.map(async (t, i) => {
        const task = await o.client.loadTask(t.id);
        task.state = "complete";
        task.result = { payload: null, completed: new Date().toISOString() };
        sent[i] = performance.now();
        await o.client.storage.tasks.save(task);
      }),
    );
    await Promise.all(calls);
    for (let i = 0; i < concurrent; i++) latencies.push(answered[i]! - sent[i]!);
  }
  return {
    concurrent,
    samples: latencies.length,
    p50Ms: round(percentile(latencies, 50), 2),
    p99Ms: round(percentile(latencies, 99), 2),
    maxMs: round(Math.max(...latencies), 2),
  };
}

/** Runs part 6 against a fresh `ajc server run`. */
export async function runLive(o: LiveOptions): Promise<LiveResults> {
  const server = await startServer([o.binary], o.natsUrl, o.queue, [
    "--max-event-streams",
    String(o.clients + 10),
  ]);
  try {
    const sse = [await sseRun(o, server, "live"), await sseRun(o, server, "backlog")];
    await o.client.purgeTasks();
    const wait = [await waitRun(o, server, 1), await waitRun(o, server, 32)];
    return { sse, wait };
  } finally {
    await server.close();
  }
}

/** The part's Markdown tables. */
export function renderLive(r: LiveResults): string {
  const out: string[] = [];
  out.push(
    `**7. Live API** — events to ${r.sse[0]?.clients ?? 0} SSE clients (\`GET /v1/events?kind=task\`), and completion → waiting caller (\`Prefer: wait\`)`,
    "",
    "| SSE | clients | tasks | seconds | events/s delivered | server CPU s | server peak RSS MB |",
    "| --- | --- | --- | --- | --- | --- | --- |",
  );
  for (const s of r.sse) {
    out.push(
      `| ${s.mode === "live" ? "live (tasks stored meanwhile)" : "backlog replay (after=)"} | ${s.clients} | ${int(s.tasks)} | ${s.seconds} | ${int(s.eventsPerSecond)} | ${s.serverCpuSeconds} | ${s.serverPeakRssMB} |`,
    );
  }
  out.push(
    "",
    "| waiters completed at once | samples | p50 ms | p99 ms | max ms |",
    "| --- | --- | --- | --- | --- |",
  );
  for (const w of r.wait)
    out.push(`| ${w.concurrent} | ${w.samples} | ${ms(w.p50Ms)} | ${ms(w.p99Ms)} | ${ms(w.maxMs)} |`);
  return out.join("\n");
}

if (import.meta.main) {
  const quick = process.argv.includes("--quick");
  installCleanupHandlers();
  let nats: BenchNats | undefined;
  let nc: NatsConnection | undefined;
  let client: Client | undefined;
  try {
    const bin = ensureBinary(join(import.meta.dir, ".."));
    nats = await startNats();
    nc = await connectRaw(nats.url, "bench live");
    client = await Client.connect({ connection: { servers: nats.url, name: "bench live" } });
    await client.ensureQueue(defaultQueue("BENCH"));
    const r = await runLive({
      binary: bin.path,
      natsUrl: nats.url,
      natsPid: nats.pid,
      nc,
      client,
      queue: "BENCH",
      clients: 100,
      tasks: quick ? 500 : 2_000,
      waitSamples: quick ? 64 : 320,
    });
    console.log(renderLive(r));
  } finally {
    await client?.close().catch(() => {});
    await nc?.drain().catch(() => {});
    await nats?.close();
    await cleanup();
  }
}
