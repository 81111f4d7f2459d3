/**
 * Everything `ajc dev` runs, started in order and stopped in reverse: the data directory's lock, a
 * private nats-server, a client, the queue, the HTTP API, and optionally a worker and the
 * scheduler. It reuses the pieces `ajc server run`, `ajc task process` and `ajc task cron
 * scheduler` are made of.
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "../../client.ts";
import { AjcError } from "../../core/errors.ts";
import type { Logger } from "../../core/log.ts";
import { DEFAULT_QUEUE_NAME, defaultQueue } from "../../core/queue.ts";
import { formatAddress } from "../../http/bind.ts";
import { type ApiServer, startServer } from "../../http/server.ts";
import { Scheduler } from "../../scheduler/scheduler.ts";
import { commandHandler, logOutcome, Router, runWorker } from "../../worker/index.ts";
import { type DataDirLock, lockDataDir } from "./lock.ts";
import { type NatsProcess, startNatsProcess } from "./nats-process.ts";

/** One `--worker TYPE=COMMAND`. */
export interface DevWorker {
  type: string;
  command: string;
}

/** What to run. */
export interface DevOptions {
  natsExecutable: string;
  /** Kept between runs; ignored with `ephemeral`. */
  dataDir: string;
  /** A temporary data directory, removed at exit. */
  ephemeral: boolean;
  queue: string;
  /** HTTP API port on 127.0.0.1; 0 for any free one. */
  httpPort: number;
  /** NATS client port on 127.0.0.1; 0 for any free one. */
  natsPort: number;
  workers: DevWorker[];
  concurrency: number;
  scheduler: boolean;
  log: Logger;
}

/** A running `ajc dev`. */
export interface DevStack {
  dataDir: string;
  natsUrl: string;
  apiUrl: string;
  queue: string;
  /** Resolves if nats-server goes away while running (it should not). */
  natsExited: Promise<number | null>;
  /** Stops everything it started, in reverse order. */
  stop(): Promise<void>;
}

/** Starts everything; on a failure part way, stops what had started and rethrows. */
export async function startDevStack(o: DevOptions): Promise<DevStack> {
  const undo: (() => Promise<void> | void)[] = [];
  const stopAll = async () => {
    for (const u of undo.splice(0).reverse()) {
      try {
        await u();
      } catch (err) {
        o.log.warn(`while stopping: ${(err as Error).message}`);
      }
    }
  };
  try {
    const dataDir = o.ephemeral ? mkdtempSync(join(tmpdir(), "ajc-dev-")) : o.dataDir;
    if (o.ephemeral) undo.push(() => rmSync(dataDir, { recursive: true, force: true }));
    else mkdirSync(dataDir, { recursive: true });
    const lock: DataDirLock = await lockDataDir(dataDir);
    undo.push(() => lock.release());

    const nats: NatsProcess = await startNatsProcess({
      executable: o.natsExecutable,
      dataDir,
      port: o.natsPort,
      removeWhenDone: o.ephemeral ? dataDir : undefined,
    });
    lock.setSupervisor(nats.supervisorPid);
    undo.push(() => nats.stop());

    const client = await Client.connect({
      connection: {
        servers: nats.url,
        name: "ajc dev",
        reconnectForever: true,
        log: (m) => o.log.warn(m),
      },
    });
    undo.push(() => client.close());
    await client.ensureQueue(defaultQueue(o.queue));

    const server: ApiServer = await startServer(
      client,
      {
        bind: formatAddress("127.0.0.1", o.httpPort),
        queue: o.queue,
        allowCreateDefault: o.queue === DEFAULT_QUEUE_NAME,
      },
      o.log,
    );
    undo.push(() => server.close());

    const stopping = new AbortController();
    const running: Promise<void>[] = [];
    undo.push(async () => {
      stopping.abort(new AjcError("internal", "ajc dev is stopping"));
      await Promise.allSettled(running);
    });
    if (o.workers.length > 0) {
      const router = new Router();
      for (const w of o.workers) router.handle(w.type, commandHandler(w.command));
      const line = (m: string) => o.log.info(m);
      running.push(
        runWorker(client, router, {
          queue: o.queue,
          concurrency: o.concurrency,
          signal: stopping.signal,
          logger: { info: line, warn: (m) => o.log.warn(m), error: (m) => o.log.error(m) },
          onOutcome: (t) => logOutcome(o.log, t),
        }).catch((err) => o.log.error(`worker stopped: ${(err as Error).message}`)),
      );
    }
    if (o.scheduler) {
      const log = {
        info: (m: string) => o.log.info(`scheduler: ${m}`),
        warn: (m: string) => o.log.warn(`scheduler: ${m}`),
      };
      running.push(
        new Scheduler(client, { name: "ajc-dev", log })
          .run(stopping.signal)
          .catch((err) => o.log.error(`scheduler stopped: ${(err as Error).message}`)),
      );
    }
    return {
      dataDir,
      natsUrl: nats.url,
      apiUrl: `http://${server.address}`,
      queue: o.queue,
      natsExited: nats.exited,
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
