/** `ajc task cron ls`: every scheduled task. */
import type { Argv, CommandModule } from "yargs";
import type { NatsFlags } from "../../config.ts";
import type { CliContext } from "../../context.ts";
import { jsonFlag } from "../../flags.ts";
import { table } from "../../output.ts";
import { shortTime } from "../task/show.ts";
import { scheduleJson } from "./show.ts";

interface LsArgs extends NatsFlags {
  names: boolean;
  json: boolean;
}

/** The `ajc task cron ls` command. */
export function cronLsCommand(ctx: CliContext): CommandModule<object, LsArgs> {
  return {
    command: "ls",
    aliases: ["list"],
    describe: "Lists the scheduled tasks",
    builder: (y: Argv<object>) =>
      jsonFlag(y).option("names", { type: "boolean", default: false, describe: "print only the names" }),
    handler: async (argv) => {
      const client = await ctx.connect(argv);
      const schedules = await client.listSchedules();
      if (argv.json) {
        ctx.json(argv.names ? schedules.map((s) => s.name) : schedules.map(scheduleJson));
        return;
      }
      if (argv.names) {
        if (schedules.length > 0) ctx.io.out(schedules.map((s) => s.name).join("\n"));
        return;
      }
      if (schedules.length === 0) {
        ctx.io.out("No scheduled tasks found");
        return;
      }
      ctx.io.out(
        table(
          ["Name", "Schedule", "Queue", "Task type", "Created"],
          schedules.map((s) => [
            s.name,
            s.paused ? `${s.schedule} (paused)` : s.schedule,
            s.queue,
            s.task_type,
            shortTime(s.created_at),
          ]),
        ),
      );
    },
  };
}
