/**
 * `ajc task add TYPE PAYLOAD`: creates a task and enqueues it. The payload is stored as the bytes
 * given (unlike the Go `ajc`, which JSON-quotes it), so a JSON document reaches handlers as JSON.
 * The queue must exist: a mistyped `-q` fails instead of creating a stray queue.
 */
import { parseGoDuration } from "../../../core/duration.ts";
import { AjcError, isReason } from "../../../core/errors.ts";
import { DEFAULT_QUEUE_NAME } from "../../../core/queue.ts";
import { DEFAULT_TASK_MAX_TRIES } from "../../../core/task.ts";
import { formatTimeMs, isTime } from "../../../core/time.ts";
import { defineCommand } from "../../command.ts";
import type { NatsFlags } from "../../config.ts";
import type { CliContext } from "../../context.ts";
import { type KeyArgs, keyFlags, keyOptions } from "./keys.ts";
import { taskJson } from "./show.ts";

interface AddArgs extends NatsFlags, KeyArgs {
  type: string;
  payload: string;
  queue: string;
  deadline?: string;
  "run-at"?: string;
  delay?: string;
  tries: number;
  depends?: string[];
  load: boolean;
  json: boolean;
}

/** `--depends a,b --depends c` → `[a, b, c]`. */
function dependencyIds(values: string[] | undefined): string[] {
  return (values ?? [])
    .flatMap((v) => String(v).split(","))
    .map((s) => s.trim())
    .filter(Boolean);
}

/** The task's `run_at` from `--run-at TIME` or `--delay DURATION` (undefined for neither). */
function runAtOf(argv: AddArgs): string | undefined {
  const at = argv["run-at"];
  if (at !== undefined) {
    if (!isTime(at))
      throw new AjcError("invalid_argument", "--run-at must be an RFC 3339 time", { field: "run-at" });
    return at;
  }
  if (argv.delay === undefined) return undefined;
  const ns = parseGoDuration(argv.delay, "delay");
  if (ns < 0) throw new AjcError("invalid_duration", "--delay must not be negative", { field: "delay" });
  return formatTimeMs(Date.now() + ns / 1_000_000);
}

/** `--deadline` as the task's deadline (undefined without it). */
function deadlineOf(argv: AddArgs): string | undefined {
  if (argv.deadline === undefined) return undefined;
  const ns = parseGoDuration(argv.deadline, "deadline");
  if (ns <= 0)
    throw new AjcError("invalid_duration", "--deadline must be a positive duration", {
      field: "deadline",
    });
  return formatTimeMs(Date.now() + ns / 1_000_000);
}

/** The `ajc task add` command. */
export function taskAddCommand(ctx: CliContext) {
  return defineCommand<AddArgs, { deadline?: string; runAt?: string }>(ctx, {
    command: "add <type> <payload>",
    aliases: ["new", "enqueue", "a"],
    describe: "Creates a task and enqueues it into an existing queue",
    json: true,
    builder: (y) =>
      keyFlags(y)
        .positional("type", { type: "string", demandOption: true, describe: "task type" })
        .positional("payload", {
          type: "string",
          demandOption: true,
          describe: "task payload, stored as given",
        })
        .option("queue", {
          alias: "q",
          type: "string",
          default: DEFAULT_QUEUE_NAME,
          describe: "queue to enqueue into",
        })
        .option("deadline", {
          type: "string",
          describe: "start the task within this Go duration from now, else expire it",
        })
        .option("run-at", {
          type: "string",
          describe: "no worker receives the task before this RFC 3339 time (nats-server 2.14+)",
        })
        .option("delay", {
          type: "string",
          describe: "no worker receives the task before this Go duration from now (nats-server 2.14+)",
        })
        .conflicts("run-at", "delay")
        .option("tries", {
          type: "number",
          default: DEFAULT_TASK_MAX_TRIES,
          describe: "maximum tries (0: unlimited)",
        })
        .option("depends", {
          type: "string",
          array: true,
          describe: "ids of tasks that must complete first (comma separated or repeated)",
        })
        .option("load", {
          type: "boolean",
          default: false,
          describe: "give the handler the dependencies' results",
        }),
    prepare: (argv) => ({ deadline: deadlineOf(argv), runAt: runAtOf(argv) }),
    connect: keyOptions,
    run: async ({ argv, client, prepared }) => {
      const task = client.newTask(argv.type, Buffer.from(argv.payload).toString("base64"), {
        ...prepared,
        maxTries: argv.tries,
        dependencies: dependencyIds(argv.depends),
        loadDependencies: argv.load,
      });
      try {
        await client.enqueue(task, argv.queue, { requireQueue: true });
      } catch (err) {
        if (!isReason(err, "queue_not_found")) throw err;
        throw new AjcError(
          "queue_not_found",
          `queue ${argv.queue} does not exist, create it with: ajc queue add ${argv.queue}`,
          { cause: err },
        );
      }
      const text = task.run_at
        ? `Enqueued task ${task.id} to run at ${task.run_at}`
        : `Enqueued task ${task.id}`;
      return { text, json: taskJson(task) };
    },
  });
}
