/**
 * The performance benchmark (`npm run bench`, or `bun bench/run.ts [--quick]`): in one run against
 * a private `nats-server -js` it starts itself,
 *   1. the ceiling: an enqueue's NATS work straight through the NATS library, no HTTP;
 *   2. the compiled `build/ajc server run` under wrk: POST /v1/tasks and GET /v1/tasks/{id};
 *   3. listing with 10,000 and 100,000 tasks stored;
 *   4. processing: raw pull-ack, the TypeScript worker API, `ajc task process` and, with Go
 *      installed, the Go asyncjobs worker (no-op handler) at concurrency 8 and 32;
 *   5. start-up to ready, and the binary's size;
 *   6. the console's first render in headless Chromium, when /usr/bin/chromium is there.
 *   7. the live API: events per second to 100 SSE clients, completion to a waiting caller (p50/p99)
 *      (alone: `bun bench/live.ts [--quick]`).
 * AJC_BENCH_COMPARE=EXECUTABLE puts another `server run`-compatible server (the Go `ajc`, say)
 * under part 2's load beside ours. Prints Markdown tables, writes bench/results.json, checks the targets of issue 6. Everything it
 * starts is stopped and every temporary directory removed, also on Ctrl-C. Loopback only.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { NatsConnection } from "@nats-io/nats-core";
import { Client } from "../src/client.ts";
import { defaultQueue } from "../src/core/queue.ts";
import { goTools, goVersion } from "../test/interop/go-tools.ts";
import { type Ceiling, openCeiling, runCeiling } from "./ceiling.ts";
import { consoleBenchUnavailable, runConsole } from "./console.ts";
import { runDelayedBench } from "./delayed.ts";
import { runHttp } from "./http-load.ts";
import { runListing } from "./listing.ts";
import { runLive } from "./live.ts";
import { ensureBinary, machine } from "./machine.ts";
import { type BenchNats, connectRaw, startNats } from "./nats.ts";
import { pairedDrain, pairedEnqueue } from "./paired.ts";
import { settle } from "./proc-stats.ts";
import { type ProcessingOptions, runProcessing } from "./processing.ts";
import { cleanup, installCleanupHandlers } from "./procs.ts";
import { type Results, renderMarkdown } from "./report.ts";
import { startServer } from "./server.ts";
import { runStartup } from "./startup.ts";
import { checkTargets } from "./targets.ts";
import { fillTasks } from "./tasks.ts";
import { findWrk } from "./wrk.ts";

const ROOT = join(import.meta.dir, "..");
const QUEUE = "BENCH";

const args = process.argv.slice(2);
if (args[0] === "--delayed") {
  // Delayed tasks alone (bench/delayed.ts): needs nats-server 2.14+, so not part of the run below.
  const count = args[1] === "--count" ? Number(args[2]) : 100_000;
  if (!Number.isInteger(count) || count < 1 || args.length > (args[1] ? 3 : 1)) {
    console.error("usage: bun bench/run.ts --delayed [--count N]");
    process.exit(2);
  }
  installCleanupHandlers();
  process.exit(await runDelayedBench(count));
}
const unknown = args.filter((a) => a !== "--quick");
if (unknown.length > 0) {
  console.error(
    `usage: bun bench/run.ts [--quick] | --delayed [--count N]   (unknown: ${unknown.join(" ")})`,
  );
  process.exit(2);
}
const quick = args.includes("--quick");

const settings = quick
  ? {
      ceilingSeconds: 1,
      httpSeconds: 3,
      httpWarmupSeconds: 1,
      postConnections: [1, 16, 64],
      getConnections: 16,
      listSizes: [2_000, 20_000],
      listRuns: 3,
      drainTasks: 500,
      drainShellAtOne: 200,
      concurrencies: [1, 8, 32],
      startupRuns: 3,
      consoleRuns: 3,
      pairedRounds: 2,
      pairedSeconds: 2,
      sseTasks: 500,
      waitSamples: 64,
    }
  : {
      ceilingSeconds: 5,
      httpSeconds: 10,
      httpWarmupSeconds: 3,
      postConnections: [1, 16, 64],
      getConnections: 16,
      listSizes: [10_000, 100_000],
      listRuns: 9,
      drainTasks: 5_000,
      drainShellAtOne: 1_000,
      concurrencies: [1, 8, 32],
      startupRuns: 7,
      consoleRuns: 7,
      pairedRounds: 3,
      pairedSeconds: 4,
      sseTasks: 2_000,
      waitSamples: 320,
    };

function log(msg: string): void {
  console.error(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}`);
}

/**
 * The Go asyncjobs worker for part 4 (test/interop's gohelper, built with the pinned library), or
 * undefined without a Go toolchain: its rows are then left out and the target says why.
 */
function goWorker(): string | undefined {
  if (!goVersion()) {
    log("no Go toolchain: the Go worker rows are left out");
    return undefined;
  }
  log("building the Go asyncjobs worker (test/interop/gohelper) if stale");
  return goTools().helper;
}

/** The 1-minute load average now: other work on the machine skews the numbers. */
function loadAverage(): string {
  try {
    return readFileSync("/proc/loadavg", "utf8").split(" ")[0]!;
  } catch {
    return "?";
  }
}

const loadAverages: Record<string, string> = {};

async function part<T>(
  name: string,
  failures: Record<string, string>,
  fn: () => Promise<T>,
): Promise<T | undefined> {
  loadAverages[name] = loadAverage();
  log(`part ${name} (load average ${loadAverages[name]})`);
  try {
    return await fn();
  } catch (err) {
    failures[name] = err instanceof Error ? err.message : String(err);
    log(`part ${name} failed: ${failures[name]}`);
    return undefined;
  }
}

async function main(): Promise<number> {
  installCleanupHandlers();
  const started = performance.now();
  const startedAt = new Date().toISOString();
  const wrk = findWrk();
  if (!wrk) {
    console.error(
      "neither wrk nor autocannon is installed (Debian: apt-get install -y wrk); the benchmark needs one",
    );
    return 1;
  }
  log(`HTTP load generator: ${wrk.version} (${wrk.path})`);
  log("building build/ajc if stale");
  const bin = ensureBinary(ROOT);
  if (bin.rebuilt) log(`rebuilt ${bin.path} in ${bin.buildSeconds}s`);

  let nats: BenchNats | undefined;
  let nc: NatsConnection | undefined;
  let client: Client | undefined;
  let ceiling: Ceiling | undefined;
  const failures: Record<string, string> = {};
  const results: Partial<Results> = {};
  try {
    nats = await startNats();
    const url = nats.url;
    nc = await connectRaw(url, "bench");
    client = await Client.connect({ connection: { servers: url, name: "bench setup" } });
    await client.ensureQueue(defaultQueue(QUEUE));

    ceiling = await openCeiling(url, nats.pid, QUEUE);
    results.ceiling = await part("1 (ceiling)", failures, () =>
      runCeiling(ceiling!, [1, 16, 64], settings.ceilingSeconds * 1000, 1000),
    );

    results.http = await part("2 (HTTP)", failures, async () => {
      await client!.purgeTasks();
      await client!.purgeQueue(QUEUE);
      const ids = await fillTasks(nc!, 1000);
      await settle(nats!.pid);
      const server = await startServer([bin.path], url, QUEUE);
      try {
        const http = await runHttp({
          wrkPath: wrk.path,
          server,
          monitorUrl: nats!.monitorUrl,
          natsPid: nats!.pid,
          seconds: settings.httpSeconds,
          warmupSeconds: settings.httpWarmupSeconds,
          postConnections: settings.postConnections,
          getConnections: settings.getConnections,
          ids,
        });
        log("part 2: library and HTTP enqueue at 64, alternating");
        results.pairedEnqueue = await pairedEnqueue(
          ceiling!,
          wrk.path,
          server,
          settings.pairedRounds,
          settings.pairedSeconds,
        );
        return http;
      } finally {
        await server.close();
      }
    });

    const compare = process.env.AJC_BENCH_COMPARE;
    if (compare) {
      results.httpCompare = await part("2b (HTTP, compared server)", failures, async () => {
        await client!.purgeTasks();
        await client!.purgeQueue(QUEUE);
        const ids = await fillTasks(nc!, 1000);
        await settle(nats!.pid);
        const server = await startServer(compare.split(" "), url, QUEUE);
        try {
          const http = await runHttp({
            wrkPath: wrk.path,
            server,
            monitorUrl: nats!.monitorUrl,
            natsPid: nats!.pid,
            seconds: settings.httpSeconds,
            warmupSeconds: settings.httpWarmupSeconds,
            postConnections: settings.postConnections,
            getConnections: settings.getConnections,
            ids,
          });
          return { executable: compare, ...http };
        } finally {
          await server.close();
        }
      });
    }

    results.listing = await part("3 (listing)", failures, async () => {
      await client!.purgeTasks();
      await client!.purgeQueue(QUEUE);
      const server = await startServer([bin.path], url, QUEUE);
      try {
        return await runListing({
          server,
          nc: nc!,
          natsUrl: url,
          natsPid: nats!.pid,
          sizes: settings.listSizes,
          runs: settings.listRuns,
        });
      } finally {
        await server.close();
      }
    });

    results.processing = await part("4 (processing)", failures, async () => {
      await client!.purgeTasks();
      const o: ProcessingOptions = {
        natsUrl: url,
        natsPid: nats!.pid,
        nc: nc!,
        client: client!,
        binary: bin.path,
        concurrencies: settings.concurrencies,
        count: settings.drainTasks,
        shellCountAtOne: settings.drainShellAtOne,
        timeoutMs: 240_000,
        goHelper: goWorker(),
        goConcurrencies: [8, 32],
      };
      const rows = await runProcessing(o);
      log("part 4: raw pull-ack and TS worker at 32, alternating");
      results.pairedDrain = await pairedDrain(o, 32, settings.pairedRounds);
      return rows;
    });

    results.startup = await part("5 (start-up)", failures, () =>
      runStartup(bin.path, url, QUEUE, settings.startupRuns),
    );

    const noConsole = consoleBenchUnavailable();
    if (noConsole) log(`part 6 (console) left out: ${noConsole}`);
    else {
      results.console = await part("6 (console)", failures, () =>
        runConsole(bin.path, url, QUEUE, settings.consoleRuns),
      );
    }

    results.live = await part("7 (live API)", failures, () =>
      runLive({
        binary: bin.path,
        natsUrl: url,
        natsPid: nats!.pid,
        nc: nc!,
        client: client!,
        queue: QUEUE,
        clients: 100,
        tasks: settings.sseTasks,
        waitSamples: settings.waitSamples,
      }),
    );
  } finally {
    await ceiling?.close().catch(() => {});
    await client?.close().catch(() => {});
    await nc?.drain().catch(() => {});
    await nats?.close();
    await cleanup();
  }

  const full: Results = {
    command: `npm run bench${quick ? " -- --quick" : ""} (bun bench/run.ts${quick ? " --quick" : ""})`,
    startedAt,
    totalSeconds: (performance.now() - started) / 1000,
    quick,
    machine: machine(ROOT, nats?.version ?? "nats-server", wrk.version),
    binary: { path: "build/ajc", bytes: results.startup?.binaryBytes ?? 0, rebuilt: bin.rebuilt },
    settings,
    loadAverages,
    failures,
    targets: [],
    ...results,
  };
  full.targets = checkTargets(full);
  writeFileSync(join(import.meta.dir, "results.json"), `${JSON.stringify(full, null, 2)}\n`);
  console.log(renderMarkdown(full));
  log(`wrote bench/results.json (${Math.round(full.totalSeconds)}s)`);
  return Object.keys(failures).length > 0 ? 1 : 0;
}

process.exitCode = await main();
