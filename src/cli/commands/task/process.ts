/**
 * `ajc task process TYPE QUEUE CONCURRENCY [COMMAND]`: a worker that runs COMMAND for each task
 * (or, with `--remote`, asks a request-reply responder), until SIGINT or SIGTERM.
 */
import { parseGoDuration } from "../../../core/duration.ts";
import { AjcError } from "../../../core/errors.ts";
import {
  type BatchedSink,
  batchedSink,
  createLogger,
  type LogFormat,
  type Logger,
} from "../../../core/log.ts";
import { RETRY_POLICIES } from "../../../core/retry.ts";
import { type MetricsServer, serveMetrics } from "../../../metrics/prometheus.ts";
import {
  assertCommand,
  commandHandler,
  DEFAULT_MAX_OUTPUT_BYTES,
  DEFAULT_STOP_GRACE_MS,
  logOutcome,
  Router,
  remoteHandler,
  runWorker,
  WorkerMetrics,
} from "../../../worker/index.ts";
import { byteFlag } from "../../byte-flag.ts";
import { defineCommand } from "../../command.ts";
import { envFlag, type NatsFlags } from "../../config.ts";
import type { CliContext } from "../../context.ts";
import type { Io } from "../../io.ts";
import { logFormatFlag, natsLog, resolveLogFormat } from "../../log-format.ts";
import { type MonitorAddress, parseMonitor } from "../../monitor.ts";
import { type KeyArgs, keyFlags, keyOptions } from "./keys.ts";

interface ProcessArgs extends NatsFlags, KeyArgs {
  type?: string;
  queue?: string;
  concurrency?: string;
  command?: string;
  remote: boolean;
  monitor?: string;
  "discard-complete": boolean;
  "discard-expired": boolean;
  backoff: string;
  "max-output"?: string;
  "stop-grace"?: string;
  "log-format"?: string;
}

/** The positional arguments after the environment filled the gaps. */
interface Resolved {
  type: string;
  queue: string;
  concurrency: number;
  command?: string;
}

function resolveArgs(argv: ProcessArgs, env: Record<string, string | undefined>): Resolved {
  const type = argv.type ?? envFlag(env, "type");
  const queue = argv.queue ?? envFlag(env, "queue");
  const concurrencyText = argv.concurrency ?? envFlag(env, "concurrency");
  const command = argv.command ?? envFlag(env, "command");
  const missing = [
    type === undefined && "TYPE (or AJC_TYPE)",
    !queue && "QUEUE (or AJC_QUEUE)",
    !concurrencyText && "CONCURRENCY (or AJC_CONCURRENCY)",
  ].filter(Boolean);
  if (missing.length > 0) throw new AjcError("invalid_argument", `missing ${missing.join(", ")}`);
  const concurrency = Number(concurrencyText);
  if (!Number.isSafeInteger(concurrency) || concurrency < 1) {
    throw new AjcError(
      "invalid_argument",
      `CONCURRENCY must be a positive integer, not "${concurrencyText}"`,
    );
  }
  if (!command && !argv.remote) throw new AjcError("invalid_argument", "give a COMMAND to run, or --remote");
  if (command && argv.remote)
    throw new AjcError("invalid_argument", "give either a COMMAND or --remote, not both");
  if (command) assertCommand(command);
  return { type: type ?? "", queue: queue ?? "", concurrency, command: command || undefined };
}

/** What the flags and the environment say, checked before connecting. */
interface Prepared {
  format: LogFormat;
  /** Every line of the worker: the shared logger's, written once per event-loop turn. */
  log: Logger;
  sink: BatchedSink;
  args: Resolved;
  maxOutputBytes?: number;
  stopGraceMs?: number;
  monitor?: MonitorAddress;
}

function prepareWorker(argv: ProcessArgs, io: Io): Prepared {
  const env = io.env;
  const format = resolveLogFormat(argv["log-format"], env);
  const args = resolveArgs(argv, env);
  const maxOutputBytes = byteFlag("max-output", argv["max-output"] ?? envFlag(env, "max-output"));
  const stopGrace = argv["stop-grace"] ?? envFlag(env, "stop-grace");
  const stopGraceMs = stopGrace === undefined ? undefined : parseGoDuration(stopGrace, "stop-grace") / 1e6;
  const monitor = argv.monitor ? parseMonitor(argv.monitor) : undefined;
  // One line per task under load: one write per event-loop turn (and at exit), not one each.
  const sink = batchedSink((text) => io.err(text));
  process.once("exit", sink.flush);
  const log = createLogger({ format, write: sink.write });
  return { format, log, sink, args, maxOutputBytes, stopGraceMs, monitor };
}

/** The `ajc task process` command. */
export function taskProcessCommand(ctx: CliContext) {
  return defineCommand<ProcessArgs, Prepared>(ctx, {
    command: "process [type] [queue] [concurrency] [command]",
    describe: "Processes tasks from a queue with a command or a request-reply handler",
    builder: (y) =>
      logFormatFlag(keyFlags(y))
        .positional("type", {
          type: "string",
          describe: 'task type to handle: exact, or a prefix of longer types; "" for all (env AJC_TYPE)',
        })
        .positional("queue", { type: "string", describe: "the queue to take tasks from (env AJC_QUEUE)" })
        .positional("concurrency", {
          type: "string",
          describe: "tasks handled at once by this worker (env AJC_CONCURRENCY)",
        })
        .positional("command", {
          type: "string",
          describe:
            "executable run for each task, with CHORIA_AJ_TASK naming the task's JSON file (env AJC_COMMAND)",
        })
        .option("remote", {
          type: "boolean",
          default: false,
          describe: "hand tasks to a request-reply responder on CHORIA_AJ.H.T.<type> instead of a command",
        })
        .option("monitor", {
          type: "string",
          describe: "serve Prometheus metrics at /metrics on PORT or HOST:PORT",
        })
        .option("discard-complete", {
          type: "boolean",
          default: false,
          describe: "delete tasks that complete",
        })
        .option("discard-expired", { type: "boolean", default: false, describe: "delete tasks that expire" })
        .option("backoff", {
          type: "string",
          default: "default",
          choices: Object.keys(RETRY_POLICIES).sort(),
          describe: "retry back-off policy",
        })
        .option("max-output", {
          type: "string",
          describe: `output of a command kept as its result, in bytes; the rest is cut with a note [default: ${DEFAULT_MAX_OUTPUT_BYTES}] (env AJC_MAX_OUTPUT)`,
        })
        .option("stop-grace", {
          type: "string",
          describe: `on SIGINT/SIGTERM, time running tasks get to finish before they are handed back to the queue, a Go duration [default: ${DEFAULT_STOP_GRACE_MS / 1000}s] (env AJC_STOP_GRACE)`,
        })
        .example("$0 task process email:new EMAIL 10 ./send-email.sh", "run a script for each email:new task")
        .example("$0 task process email EMAIL 10 --remote", "ask responders on CHORIA_AJ.H.T.email"),
    prepare: (argv) => prepareWorker(argv, ctx.io),
    connect: (argv, { log }) => ({
      ...keyOptions(argv),
      connection: { reconnectForever: true, log: natsLog(log) },
    }),
    run: async ({ argv, client, prepared, stopOnSignal }) => {
      const { format, log, sink, args, maxOutputBytes, stopGraceMs, monitor } = prepared;
      const queue = await client.queueInfo(args.queue).catch((err) => {
        if (err instanceof AjcError && err.reason === "queue_not_found") {
          throw new AjcError(
            "queue_not_found",
            `queue ${args.queue} does not exist: create it with "ajc queue add ${args.queue}"`,
          );
        }
        throw err;
      });
      const router = new Router().handle(
        args.type,
        args.command ? commandHandler(args.command, { maxOutputBytes }) : remoteHandler(client, args.type),
      );
      const metrics = new WorkerMetrics();
      let server: MetricsServer | undefined;
      if (monitor) {
        server = await serveMetrics(metrics.registry, monitor);
        log.info(`Serving Prometheus metrics on ${monitor.host ?? ""}:${server.port}/metrics`);
      }
      const handler = args.command ? `command ${args.command}` : "request-reply";
      log.info(
        `Processing ${args.type === "" ? "all task types" : `task type ${args.type}`} from queue ${queue.name} with ${handler}, concurrency ${args.concurrency}`,
      );
      const discard: ("complete" | "expired")[] = [];
      if (argv["discard-complete"]) discard.push("complete");
      if (argv["discard-expired"]) discard.push("expired");
      const stop = stopOnSignal({
        first: () => log.info("Stopping: running tasks get the stop grace period to finish"),
      });
      const worked = runWorker(client, router, {
        queue: queue.name,
        concurrency: args.concurrency,
        signal: stop.signal,
        retryPolicy: argv.backoff,
        stopGraceMs,
        discard,
        metrics,
        logger: log,
        onOutcome: (o) => logOutcome(log, o, format),
      }).finally(() => server?.close());
      try {
        await worked;
        log.info("Stopped");
      } finally {
        // Before main prints a failure, so the lines stay in order.
        sink.flush();
        process.off("exit", sink.flush);
      }
      return undefined;
    },
  });
}
