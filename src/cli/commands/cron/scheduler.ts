/**
 * `ajc task cron scheduler NAME [--monitor PORT]`: runs the HA task scheduler until SIGINT/SIGTERM.
 * Several may run (ours and Go's); one is elected leader and fires the schedules.
 */
import type { Argv, CommandModule } from "yargs";
import { AjcError } from "../../../core/errors.ts";
import type { Log } from "../../../scheduler/log.ts";
import { SchedulerMetrics } from "../../../scheduler/metrics.ts";
import { PROMETHEUS_CONTENT_TYPE } from "../../../scheduler/prometheus.ts";
import { Scheduler } from "../../../scheduler/scheduler.ts";
import type { NatsFlags } from "../../config.ts";
import type { CliContext } from "../../context.ts";
import type { Io } from "../../io.ts";

interface SchedulerArgs extends NatsFlags {
  name: string;
  monitor?: number;
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
          type: "number",
          describe: "serve Prometheus metrics on this port at /metrics (all interfaces)",
        })
        .option("debug", {
          type: "boolean",
          default: false,
          describe: "also log every campaign and every firing skipped while not leader",
        }),
    handler: async (argv) => {
      const name = String(argv.name).trim();
      if (!name) throw new AjcError("invalid_argument", "the scheduler needs a name", { field: "name" });
      const port = argv.monitor;
      if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) {
        throw new AjcError("invalid_argument", `--monitor must be a TCP port, not ${port}`, {
          field: "monitor",
        });
      }
      const log = logger(ctx.io, argv.debug);
      const client = await ctx.connect(argv, {
        connection: { reconnectForever: true, name: `ajc scheduler ${name}` },
      });
      const metrics = new SchedulerMetrics();
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
      const server = port === undefined ? undefined : serveMetrics(port, metrics);
      if (server) log.info(`serving Prometheus metrics on http://0.0.0.0:${server.port}/metrics`);
      try {
        await new Scheduler(client, { name, log, metrics }).run(stop.signal);
        log.info("stopped");
      } finally {
        process.off("SIGINT", onSignal);
        process.off("SIGTERM", onSignal);
        server?.stop(true);
      }
    },
  };
}

/** `/metrics` in the Prometheus text format; everything else is 404. */
function serveMetrics(port: number, metrics: SchedulerMetrics) {
  return Bun.serve({
    port,
    hostname: "0.0.0.0",
    fetch(req) {
      if (new URL(req.url).pathname !== "/metrics") return new Response("not found\n", { status: 404 });
      return new Response(metrics.render(), { headers: { "content-type": PROMETHEUS_CONTENT_TYPE } });
    },
  });
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
