/**
 * `ajc task cron scheduler NAME [--monitor PORT]`: runs the HA task scheduler until SIGINT/SIGTERM.
 * Several may run (ours and Go's); one is elected leader and fires the schedules.
 */
import type { Argv, CommandModule } from "yargs";
import { AjcError } from "../../../core/errors.ts";
import { serveMetrics } from "../../../metrics/prometheus.ts";
import type { Log } from "../../../scheduler/log.ts";
import { SchedulerMetrics } from "../../../scheduler/metrics.ts";
import { Scheduler } from "../../../scheduler/scheduler.ts";
import type { NatsFlags } from "../../config.ts";
import type { CliContext } from "../../context.ts";
import type { Io } from "../../io.ts";
import { parseMonitor } from "../../monitor.ts";

interface SchedulerArgs extends NatsFlags {
  name: string;
  monitor?: string;
  debug: boolean;
}

export function cronSchedulerCommand(ctx: CliContext): CommandModule<object, SchedulerArgs> {
  return {
    command: "scheduler <name>",
    describe: "Runs the task scheduler: fires the schedules while elected leader among all schedulers",
    builder: (y: Argv<object>) =>
      y
        .positional("name", {
          type: "string",
          demandOption: true,
          describe: "this scheduler's unique name in the leader election",
        })
        .option("monitor", {
          type: "string",
          describe: "serve Prometheus metrics at /metrics on PORT (all interfaces) or HOST:PORT",
        })
        .option("debug", {
          type: "boolean",
          default: false,
          describe: "also log every campaign and every firing skipped while not leader",
        }),
    handler: async (argv) => {
      const name = String(argv.name).trim();
      if (!name) throw new AjcError("invalid_argument", "the scheduler needs a name", { field: "name" });
      const monitor = argv.monitor === undefined ? undefined : parseMonitor(String(argv.monitor));
      const log = logger(ctx.io, argv.debug);
      const client = await ctx.connect(argv, {
        connection: { reconnectForever: true, name: `ajc scheduler ${name}` },
      });
      const metrics = new SchedulerMetrics();
      const server = monitor && (await serveMetrics(metrics.registry, monitor));
      if (server) log.info(`serving Prometheus metrics on ${monitor.host ?? ""}:${server.port}/metrics`);
      const stop = new AbortController();
      const onSignal = (sig: NodeJS.Signals) => {
        if (stop.signal.aborted) {
          log.warn(`${sig} again: exiting without stepping down`);
          process.exit(1);
        }
        log.info(`${sig} received: stepping down and stopping`);
        stop.abort();
      };
      process.on("SIGINT", onSignal);
      process.on("SIGTERM", onSignal);
      try {
        await new Scheduler(client, { name, log, metrics }).run(stop.signal);
        log.info("stopped");
      } finally {
        process.off("SIGINT", onSignal);
        process.off("SIGTERM", onSignal);
        await server?.close();
      }
    },
  };
}

/** Timestamped lines on stderr. */
function logger(io: Io, debug: boolean): Log {
  const line = (level: string, msg: string) => io.err(`${new Date().toISOString()} ${level} ${msg}`);
  return {
    info: (m) => line("INFO", m),
    warn: (m) => line("WARN", m),
    ...(debug ? { debug: (m: string) => line("DEBUG", m) } : {}),
  };
}
