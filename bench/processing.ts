/**
 * Part 4, processing: drain COUNT tasks from a fresh queue at each concurrency with
 *  - `raw`: the ceiling, a plain JetStream pull consumer that only acknowledges work items;
 *  - `ts-worker`: ajc's TypeScript worker API (runWorker) with a no-op handler;
 *  - `ajc-process`: the compiled `ajc task process bench QUEUE N /bin/true`;
 *  - `go-worker`: the Go asyncjobs library's worker (test/interop/gohelper, the pinned asyncjobs
 *    version) with a no-op handler, on the same NATS, when Go is installed.
 * Workers are timed from the task events they publish (first `active` to the COUNT-th
 * `complete`), so their start-up does not count; the raw consumer times itself the same way
 * (first item to last ack).
 */
import { join } from "node:path";
import type { NatsConnection } from "@nats-io/nats-core";
import type { Client } from "../src/client.ts";
import { defaultQueue } from "../src/core/queue.ts";
import { EVENTS_WILDCARD } from "../src/store/subjects.ts";
import { cpuSeconds, memory, settle } from "./proc-stats.ts";
import { stop, tempDir, track } from "./procs.ts";
import { round } from "./stats.ts";
import { fillTasks } from "./tasks.ts";

export type DrainMode = "raw" | "ts-worker" | "ajc-process" | "go-worker";

export interface DrainRow {
  mode: DrainMode;
  concurrency: number;
  tasks: number;
  completed: number;
  /** Tasks that ended in another state (retry, expired, terminated...). */
  failed: number;
  seconds: number;
  perSecond: number;
  /** CPU of the worker process per 1,000 tasks (not its children: /bin/true is not counted). */
  cpuSecondsPer1k: number;
  /** nats-server's CPU per 1,000 tasks. */
  natsCpuSecondsPer1k: number;
  /** The worker process's peak resident memory (VmHWM), MB; absent for the raw consumer. */
  peakRssMB?: number;
}

/** Watches task events of one queue: first `active`, and each end state. */
export class EventWatch {
  firstActive = 0;
  cpuAtFirst = 0;
  natsCpuAtFirst = 0;
  completed = 0;
  failed = 0;
  lastEnd = 0;
  #target = 0;
  #pid = 0;
  #resolve: () => void = () => {};
  readonly done: Promise<void>;

  constructor(
    nc: NatsConnection,
    private readonly queue: string,
    target: number,
    private readonly natsPid: number,
  ) {
    this.#target = target;
    this.done = new Promise((r) => {
      this.#resolve = r;
    });
    const sub = nc.subscribe(EVENTS_WILDCARD, {
      callback: (_err, m) => {
        let e: { state?: string; queue?: string };
        try {
          e = m.json();
        } catch {
          return;
        }
        if (e.queue !== this.queue) return;
        if (e.state === "active") {
          if (this.firstActive === 0) {
            this.firstActive = performance.now();
            this.cpuAtFirst = this.#pid ? (cpuSeconds(this.#pid) ?? 0) : 0;
            this.natsCpuAtFirst = cpuSeconds(this.natsPid) ?? 0;
          }
          return;
        }
        if (e.state === "complete") this.completed++;
        else if (e.state !== "new") this.failed++;
        if (this.completed + this.failed >= this.#target) {
          this.lastEnd = performance.now();
          sub.unsubscribe();
          this.#resolve();
        }
      },
    });
  }

  /** The worker whose CPU to read at the first event. */
  watchPid(pid: number): void {
    this.#pid = pid;
  }
}

async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms / 1000}s`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

export interface ProcessingOptions {
  natsUrl: string;
  natsPid: number;
  nc: NatsConnection;
  client: Client;
  binary: string;
  concurrencies: number[];
  count: number;
  /** Tasks for `ajc-process` at concurrency 1 (one /bin/true per task is slow). */
  shellCountAtOne: number;
  timeoutMs: number;
  /** The Go worker (gohelper) when Go is installed: `go-worker` rows run at these concurrencies. */
  goHelper?: string;
  goConcurrencies?: number[];
}

const BENCH_DIR = import.meta.dir;

export async function drain(o: ProcessingOptions, mode: DrainMode, concurrency: number): Promise<DrainRow> {
  const tasks = mode === "ajc-process" && concurrency === 1 ? o.shellCountAtOne : o.count;
  const queue = `BENCH_${mode.replace("-", "_").toUpperCase()}_${concurrency}`;
  await o.client.ensureQueue(defaultQueue(queue));
  await fillTasks(o.nc, tasks, { queue });
  await settle(o.natsPid);
  const row = (
    completed: number,
    failed: number,
    seconds: number,
    cpu: number,
    natsCpu: number,
  ): DrainRow => ({
    mode,
    concurrency,
    tasks,
    completed,
    failed,
    seconds: round(seconds, 3),
    perSecond: round(completed / seconds, 0),
    cpuSecondsPer1k: round((cpu / Math.max(1, completed)) * 1000, 3),
    natsCpuSecondsPer1k: round((natsCpu / Math.max(1, completed)) * 1000, 3),
  });

  if (mode === "raw") {
    // nats-server's CPU over the child's whole life: it serves nothing else meanwhile.
    const natsCpu0 = cpuSeconds(o.natsPid) ?? 0;
    const p = track(
      Bun.spawn(
        [
          process.execPath,
          join(BENCH_DIR, "drain-child.ts"),
          "raw",
          o.natsUrl,
          queue,
          String(concurrency),
          String(tasks),
        ],
        { stdout: "pipe", stderr: "inherit" },
      ),
    );
    const out = await withTimeout(new Response(p.stdout).text(), o.timeoutMs, `raw drain of ${queue}`);
    await stop(p);
    const r = JSON.parse(out) as { count: number; seconds: number; cpuSeconds: number };
    return row(r.count, 0, r.seconds, r.cpuSeconds, (cpuSeconds(o.natsPid) ?? natsCpu0) - natsCpu0);
  }

  const watch = new EventWatch(o.nc, queue, tasks, o.natsPid);
  await o.nc.flush();
  const dir = tempDir("worker");
  const cmd =
    mode === "ts-worker"
      ? [process.execPath, join(BENCH_DIR, "drain-child.ts"), "worker", o.natsUrl, queue, String(concurrency)]
      : mode === "go-worker"
        ? [
            o.goHelper ?? "gohelper",
            "worker",
            o.natsUrl,
            queue,
            "bench",
            "--concurrency",
            String(concurrency),
            "--noop",
          ]
        : [o.binary, "task", "process", "bench", queue, String(concurrency), "/bin/true"];
  const p = track(
    Bun.spawn(cmd, {
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: dir, TMPDIR: dir, NATS_URL: o.natsUrl },
      stdout: "ignore",
      stderr: Bun.file(join(dir, "worker.log")),
    }),
  );
  watch.watchPid(p.pid);
  let cpu = 0;
  let natsCpu = 0;
  let peakRssMB: number | undefined;
  try {
    await withTimeout(watch.done, o.timeoutMs, `${mode} drain of ${queue}`);
    cpu = (cpuSeconds(p.pid) ?? watch.cpuAtFirst) - watch.cpuAtFirst;
    natsCpu = (cpuSeconds(o.natsPid) ?? watch.natsCpuAtFirst) - watch.natsCpuAtFirst;
    const mem = memory(p.pid);
    if (mem) peakRssMB = round(mem.hwmMB, 1);
  } finally {
    await stop(p);
  }
  return {
    ...row(watch.completed, watch.failed, (watch.lastEnd - watch.firstActive) / 1000, cpu, natsCpu),
    ...(peakRssMB === undefined ? {} : { peakRssMB }),
  };
}

export async function runProcessing(o: ProcessingOptions): Promise<DrainRow[]> {
  const rows: DrainRow[] = [];
  for (const c of o.concurrencies) {
    for (const mode of ["raw", "ts-worker", "ajc-process"] as const) {
      rows.push(await drain(o, mode, c));
    }
    if (o.goHelper && (o.goConcurrencies ?? []).includes(c)) rows.push(await drain(o, "go-worker", c));
  }
  return rows;
}
