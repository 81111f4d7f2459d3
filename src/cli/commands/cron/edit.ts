/**
 * `ajc task cron edit NAME [--schedule ...] [--type ...] ...`: changes a stored schedule; what no
 * flag names stays as it is. A running scheduler (ours or a Go one) follows the change at once.
 */
import { normaliseCronShorthand, parseCron } from "../../../core/cron.ts";
import { parseGoDuration } from "../../../core/duration.ts";
import { AjcError } from "../../../core/errors.ts";
import type { Schedule } from "../../../core/schedule.ts";
import { defineCommand } from "../../command.ts";
import type { NatsFlags } from "../../config.ts";
import type { CliContext } from "../../context.ts";
import { scheduleNameArg } from "./name-arg.ts";
import { scheduleJson, showSchedule } from "./show.ts";

interface EditArgs extends NatsFlags {
  name: string;
  schedule?: string;
  type?: string;
  payload?: string;
  queue?: string;
  deadline?: string;
  tries?: number;
  json: boolean;
}

/** The stored schedule with the changes the flags name. */
function edited(stored: Schedule, argv: EditArgs): Schedule {
  const s: Schedule = { ...stored };
  if (argv.schedule !== undefined) {
    s.schedule = normaliseCronShorthand(argv.schedule);
    parseCron(s.schedule);
  }
  if (argv.type !== undefined) s.task_type = argv.type;
  if (argv.payload !== undefined) s.payload = Buffer.from(argv.payload).toString("base64");
  if (argv.queue !== undefined) s.queue = argv.queue;
  if (argv.tries !== undefined) s.max_tries = argv.tries;
  if (argv.deadline !== undefined) {
    const ns = parseGoDuration(argv.deadline, "deadline");
    if (ns === 0) delete s.deadline;
    else s.deadline = ns;
  }
  return s;
}

/** The `ajc task cron edit` command. */
export function cronEditCommand(ctx: CliContext) {
  return defineCommand<EditArgs>(ctx, {
    command: "edit <name>",
    aliases: ["update", "e"],
    describe: "Changes a scheduled task (paused ones stay paused)",
    json: true,
    builder: (y) =>
      scheduleNameArg(y)
        .option("schedule", {
          type: "string",
          describe: "new cron expression, e.g. '*/5 * * * *', daily, 'every 10m'",
        })
        .option("type", { type: "string", describe: "new type of the tasks created" })
        .option("payload", { type: "string", describe: "new payload of the tasks created, stored as given" })
        .option("queue", { alias: "q", type: "string", describe: "new queue the tasks are enqueued into" })
        .option("deadline", {
          type: "string",
          describe: "new deadline offset (a Go duration, at least 30s; 0 removes it)",
        })
        .option("tries", { type: "number", describe: "new maximum tries of each task created" }),
    prepare: (argv) => {
      const changes = [argv.schedule, argv.type, argv.payload, argv.queue, argv.deadline, argv.tries];
      if (changes.every((c) => c === undefined)) {
        throw new AjcError(
          "invalid_argument",
          "nothing to change: give --schedule, --type, --payload, --queue, --deadline or --tries",
        );
      }
    },
    run: async ({ argv, client }) => {
      const stored = await client.replaceSchedule(edited(await client.loadSchedule(argv.name), argv));
      return { text: showSchedule(stored), json: scheduleJson(stored) };
    },
  });
}
