/**
 * `ajc task cron scheduler NAME [--monitor PORT] [--rescue-every DURATION]`: runs the HA task
 * scheduler until SIGINT/SIGTERM. Several may run (ours and Go's); one is elected leader and fires
 * the schedules, and (ours) runs the rescuer periodically.
 */
import { parseGoDuration } from "../../../core/duration.ts";
import { AjcError } from "../../../core/errors.ts";
import { createLogger, type LogFormat } from "../../../core/log.ts";
import { serveMetrics } from "../../../metrics/prometheus.ts";
import type { Log } from "../../../scheduler/log.ts";
import { SchedulerMetrics } from "../../../scheduler/metrics.ts";
import { Scheduler } from "../../../scheduler/scheduler.ts";
import { defineCommand } from "../../command.ts";
import type { NatsFlags } from "../../config.ts";
import type { CliContext } from "../../context.ts";
import type { Io } from "../../io.ts";
import { logFormatFlag, natsLog, resolveLogFormat } from "../../log-format.ts";
import { type MonitorAddress, parseMonitor } from "../../monitor.ts";

interface SchedulerArgs extends NatsFlags {
  name: string;
  monitor?: string;
  "rescue-every": string;
  debug: boolean;
  "log-format"?: string;
}

/**
 * How often the leader looks for stranded tasks by default: often enough that a stranded task
 * waits minutes, not forever; each run reads the task store once.
 */
export const DEFAULT_RESCUE_EVERY = "10m";

/** What the flags say, checked before connecting. */
interface Prepared {
  name: string;
  monitor?: MonitorAddress;
  rescueEveryMs: number;
  log: Log;
}

export function cronSchedulerCommand(ctx: CliContext) {
  return defineCommand<SchedulerArgs, Prepared>(ctx, {
    command: "scheduler <name>",
    describe: "Runs the task scheduler: fires the schedules while elected leader among all schedulers",
    builder: (y) =>
      logFormatFlag(y)
        .positional("name", {
          type: "string",
          demandOption: true,
          describe: "this scheduler's unique name in the leader election",
        })
        .option("monitor", {
          type: "string",
          describe: "serve Prometheus metrics at /metrics on PORT (all interfaces) or HOST:PORT",
        })
        .option("rescue-every", {
          type: "string",
          default: DEFAULT_RESCUE_EVERY,
          describe:
            "while leader, look this often for tasks no work item will deliver and enqueue them again (as ajc task rescue); 0 turns it off",
        })
        .option("debug", {
          type: "boolean",
          default: false,
          describe: "also log every campaign and every firing skipped while not leader",
        }),
    prepare: (argv) => {
      const format = resolveLogFormat(argv["log-format"], ctx.io.env);
      const name = String(argv.name).trim();
      if (!name) throw new AjcError("invalid_argument", "the scheduler needs a name", { field: "name" });
      const monitor = argv.monitor === undefined ? undefined : parseMonitor(String(argv.monitor));
      const rescueEveryMs = rescueInterval(String(argv["rescue-every"]));
      return { name, monitor, rescueEveryMs, log: logger(ctx.io, argv.debug, format) };
    },
    connect: (_argv, { name, log }) => ({
      connection: { reconnectForever: true, name: `ajc scheduler ${name}`, log: natsLog(log) },
    }),
    run: async ({ client, prepared: { name, monitor, rescueEveryMs, log }, stopOnSignal }) => {
      const metrics = new SchedulerMetrics();
      const server = monitor && (await serveMetrics(metrics.registry, monitor));
      if (server) log.info(`serving Prometheus metrics on ${monitor.host ?? ""}:${server.port}/metrics`);
      const stop = stopOnSignal({
        first: (sig) => log.info(`${sig} received: stepping down and stopping`),
        again: (sig) => log.warn(`${sig} again: exiting without stepping down`),
      });
      try {
        await new Scheduler(client, { name, log, metrics, rescueEveryMs }).run(stop.signal);
        log.info("stopped");
      } finally {
        await server?.close();
      }
      return undefined;
    },
  });
}

/** `--rescue-every` in ms (0: off); a bad value names the flag. */
function rescueInterval(value: string): number {
  let ns: number;
  try {
    ns = parseGoDuration(value, "rescue-every");
  } catch (err) {
    throw new AjcError("invalid_duration", `--rescue-every: ${(err as Error).message}`, {
      field: "rescue-every",
      cause: err,
    });
  }
  if (ns < 0) {
    throw new AjcError("invalid_duration", "--rescue-every must not be negative", { field: "rescue-every" });
  }
  return ns / 1_000_000;
}

/** The shared logger's lines on stderr; debug lines only with `--debug`. */
function logger(io: Io, debug: boolean, format: LogFormat): Log {
  const log = createLogger({ format, write: (l) => io.err(l) });
  return {
    info: (m) => log.info(m),
    warn: (m) => log.warn(m),
    ...(debug ? { debug: (m: string) => log.debug(m) } : {}),
  };
}
