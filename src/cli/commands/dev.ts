/**
 * `ajc dev`: one command to a working queue. A private nats-server with JetStream, a queue, the
 * HTTP API on loopback and, if asked, a worker and the scheduler, in the foreground until Ctrl-C
 * or SIGTERM, which stop all of it. See docs/dev.md.
 */
import { resolve } from "node:path";
import { AjcError } from "../../core/errors.ts";
import { batchedSink, createLogger } from "../../core/log.ts";
import { DEFAULT_QUEUE_NAME } from "../../core/queue.ts";
import { assertCommand, DEFAULT_WORKER_CONCURRENCY } from "../../worker/index.ts";
import { defineLocalCommand } from "../command.ts";
import type { CliContext } from "../context.ts";
import {
  chooseNatsServer,
  describeChoice,
  NO_NATS_SERVER,
  natsExecutable,
  natsVersion,
} from "../dev/nats-binary.ts";
import { cacheDir, defaultDataDir } from "../dev/paths.ts";
import { type DevStack, type DevWorker, startDevStack } from "../dev/stack.ts";

interface DevArgs {
  data?: string;
  ephemeral: boolean;
  queue: string;
  port: number;
  "nats-port": number;
  "nats-server"?: string;
  worker?: string[];
  concurrency: number;
  scheduler: boolean;
}

/** `TYPE=COMMAND`: the type may be empty (every type), the command must be an executable file. */
export function parseWorkerFlag(text: string): DevWorker {
  const eq = text.indexOf("=");
  if (eq < 0)
    throw new AjcError("invalid_argument", `--worker wants TYPE=COMMAND, not ${JSON.stringify(text)}`);
  const w = { type: text.slice(0, eq), command: text.slice(eq + 1) };
  assertCommand(w.command);
  return w;
}

function port(flag: string, n: number): number {
  if (!Number.isInteger(n) || n < 0 || n > 65535) {
    throw new AjcError("invalid_argument", `--${flag} must be a port number (0 for any free one)`);
  }
  return n;
}

const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** What `ajc dev` prints once ready (stdout); logs go to stderr. */
function readyText(stack: DevStack, nats: string, workers: DevWorker[]): string {
  const type = workers.find((w) => w.type !== "")?.type ?? "demo";
  const body = JSON.stringify({ type, payload: { hello: "world" } });
  return [
    `ajc dev is ready (data in ${stack.dataDir}); Ctrl-C stops it`,
    `  HTTP API     ${stack.apiUrl}  (queue ${stack.queue})`,
    `  console      ${stack.apiUrl}/ui/`,
    `  NATS         export NATS_URL=${stack.natsUrl}   (for other ajc commands and Go asyncjobs tools)`,
    `  nats-server  ${nats}`,
    `  workers      ${workers.length === 0 ? "none (add --worker TYPE=COMMAND)" : workers.map((w) => `${w.type || '""'}=${w.command}`).join(", ")}`,
    "  enqueue a task:",
    `    curl -s -X POST ${stack.apiUrl}/v1/tasks -H 'Content-Type: application/json' -d ${shellQuote(body)}`,
  ].join("\n");
}

/** The `ajc dev` command. */
export function devCommand(ctx: CliContext) {
  return defineLocalCommand<DevArgs>(ctx, {
    command: "dev",
    describe: "Runs a private NATS, a queue, the HTTP API and optionally a worker: one command to try ajc",
    builder: (y) =>
      y
        .option("data", {
          type: "string",
          describe:
            "NATS data directory, kept between runs [default: $XDG_DATA_HOME/ajc/dev or ~/.local/share/ajc/dev; macOS ~/Library/Application Support/ajc/dev]",
        })
        .option("ephemeral", {
          type: "boolean",
          default: false,
          describe: "use a temporary data directory, removed at exit",
        })
        .option("queue", {
          type: "string",
          default: DEFAULT_QUEUE_NAME,
          describe: "queue to create and serve",
        })
        .option("port", {
          type: "number",
          default: 8080,
          describe: "HTTP API port on 127.0.0.1 (0: any free one)",
        })
        .option("nats-port", {
          type: "number",
          default: 4222,
          describe: "NATS port on 127.0.0.1 (0: any free one)",
        })
        .option("nats-server", {
          type: "string",
          describe:
            "nats-server executable [default: the one on PATH, else the one embedded in release builds]",
        })
        .option("worker", {
          type: "string",
          array: true,
          describe: 'run COMMAND for tasks of TYPE (TYPE=COMMAND, repeatable; "=COMMAND" for every type)',
        })
        .option("concurrency", {
          type: "number",
          default: DEFAULT_WORKER_CONCURRENCY,
          describe: "tasks the worker runs at once",
        })
        .option("scheduler", {
          type: "boolean",
          default: true,
          describe: "run the cron scheduler (--no-scheduler to leave it out)",
        })
        .example("$0 dev --worker 'email:new=./send-email.sh'", "a queue, the API and a worker")
        .example("$0 dev --ephemeral --port 0 --nats-port 0", "a throw-away instance on free ports"),
    run: async ({ argv, stopOnSignal, exitWith }) => {
      const env = ctx.io.env;
      const workers = (argv.worker ?? []).map(parseWorkerFlag);
      if (!Number.isSafeInteger(argv.concurrency) || argv.concurrency < 1) {
        throw new AjcError("invalid_argument", "--concurrency must be a positive integer");
      }
      const cache = cacheDir(env);
      const choice = chooseNatsServer(argv["nats-server"], env.PATH, cache);
      if (!choice) throw new AjcError("invalid_argument", NO_NATS_SERVER);
      const executable = await natsExecutable(choice, cache);
      const nats = describeChoice(choice, natsVersion(executable));

      const sink = batchedSink((text) => ctx.io.err(text));
      process.once("exit", sink.flush);
      const log = createLogger({ format: "text", write: sink.write });
      // A second signal exits at once, with the shell's status for a process killed by it.
      const stop = stopOnSignal({ exitCode: (sig) => (sig === "SIGINT" ? 130 : 143) });
      const stack = await startDevStack({
        natsExecutable: executable,
        dataDir: resolve(argv.data ?? defaultDataDir(env)),
        ephemeral: argv.ephemeral,
        queue: argv.queue,
        httpPort: port("port", argv.port),
        natsPort: port("nats-port", argv["nats-port"]),
        workers,
        concurrency: argv.concurrency,
        scheduler: argv.scheduler,
        log,
      });
      sink.flush();
      ctx.io.out(readyText(stack, nats, workers));
      const why = await Promise.race([
        stop.stopped.then((sig) => `${sig} received, stopping`),
        stack.natsExited.then((code) => `nats-server exited unexpectedly (status ${code}), stopping`),
      ]);
      log.info(why);
      await stack.stop();
      log.info("stopped");
      sink.flush();
      if (why.startsWith("nats-server")) exitWith(1);
      return undefined;
    },
  });
}
