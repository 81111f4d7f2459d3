/**
 * `ajc task cron add NAME SCHEDULE TYPE`: stores a schedule that the scheduler turns into a task on
 * every firing. `daily`, `every 5m` and the like become `@daily`, `@every 5m`.
 */
import { normaliseCronShorthand, parseCron } from "../../../core/cron.ts";
import { parseGoDuration } from "../../../core/duration.ts";
import { isReason } from "../../../core/errors.ts";
import { DEFAULT_QUEUE_NAME } from "../../../core/queue.ts";
import type { Schedule } from "../../../core/schedule.ts";
import { DEFAULT_TASK_MAX_TRIES } from "../../../core/task.ts";
import { formatTimeMs } from "../../../core/time.ts";
import { defineCommand } from "../../command.ts";
import type { NatsFlags } from "../../config.ts";
import type { CliContext } from "../../context.ts";
import { scheduleJson, showSchedule } from "./show.ts";

interface AddArgs extends NatsFlags {
  name: string;
  schedule: string;
  type: string;
  payload?: string;
  queue: string;
  deadline?: string;
  tries: number;
  json: boolean;
}

/** The schedule the arguments describe; a bad cron expression or deadline fails here. */
function scheduleOf(argv: AddArgs): Schedule {
  const cron = normaliseCronShorthand(argv.schedule);
  parseCron(cron);
  const s: Schedule = {
    name: argv.name,
    schedule: cron,
    queue: argv.queue,
    task_type: argv.type,
    payload: argv.payload === undefined ? null : Buffer.from(argv.payload).toString("base64"),
    max_tries: argv.tries,
    created_at: formatTimeMs(Date.now()),
  };
  if (argv.deadline !== undefined) s.deadline = parseGoDuration(argv.deadline, "deadline");
  return s;
}

/** The `ajc task cron add` command. */
export function cronAddCommand(ctx: CliContext) {
  return defineCommand<AddArgs, Schedule>(ctx, {
    command: "add <name> <schedule> <type>",
    aliases: ["new", "a"],
    describe: "Adds a scheduled task (cron: five fields, @daily, @every 5m, CRON_TZ=zone ...)",
    json: true,
    builder: (y) =>
      y
        .positional("name", { type: "string", demandOption: true, describe: "unique schedule name" })
        .positional("schedule", {
          type: "string",
          demandOption: true,
          describe: "when to create the task, e.g. '*/5 * * * *', daily, 'every 10m'",
        })
        .positional("type", { type: "string", demandOption: true, describe: "type of the tasks created" })
        .option("payload", { type: "string", describe: "payload of the tasks created, stored as given" })
        .option("queue", {
          alias: "q",
          type: "string",
          default: DEFAULT_QUEUE_NAME,
          describe: "queue the tasks are enqueued into",
        })
        .option("deadline", {
          type: "string",
          describe: "each task must start within this Go duration of its creation (at least 30s)",
        })
        .option("tries", {
          type: "number",
          default: DEFAULT_TASK_MAX_TRIES,
          describe: "maximum tries of each task created",
        }),
    prepare: scheduleOf,
    run: async ({ client, prepared: s }) => {
      await client.createSchedule(s);
      await client.queueInfo(s.queue).catch((err) => {
        if (!isReason(err, "queue_not_found")) throw err;
        ctx.io.err(`Warning: queue ${s.queue} does not exist yet; create it with: ajc queue add ${s.queue}`);
      });
      return { text: showSchedule(s), json: scheduleJson(s) };
    },
  });
}
