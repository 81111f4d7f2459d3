/** `ajc task cron ls`: every scheduled task. */
import { defineCommand } from "../../command.ts";
import type { NatsFlags } from "../../config.ts";
import type { CliContext } from "../../context.ts";
import { table } from "../../output.ts";
import { shortTime } from "../task/show.ts";
import { scheduleJson } from "./show.ts";

interface LsArgs extends NatsFlags {
  names: boolean;
  json: boolean;
}

/** The `ajc task cron ls` command. */
export function cronLsCommand(ctx: CliContext) {
  return defineCommand<LsArgs>(ctx, {
    command: "ls",
    aliases: ["list"],
    describe: "Lists the scheduled tasks",
    json: true,
    builder: (y) => y.option("names", { type: "boolean", default: false, describe: "print only the names" }),
    run: async ({ argv, client }) => {
      const schedules = await client.listSchedules();
      if (argv.names) {
        const names = schedules.map((s) => s.name);
        // No schedules, no names: not even an empty line.
        if (!argv.json && names.length === 0) return undefined;
        return { text: names.join("\n"), json: names };
      }
      const json = schedules.map(scheduleJson);
      if (schedules.length === 0) return { text: "No scheduled tasks found", json };
      return {
        text: table(
          ["Name", "Schedule", "Queue", "Task type", "Created"],
          schedules.map((s) => [
            s.name,
            s.paused ? `${s.schedule} (paused)` : s.schedule,
            s.queue,
            s.task_type,
            shortTime(s.created_at),
          ]),
        ),
        json,
      };
    },
  });
}
