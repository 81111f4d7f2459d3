/** `ajc task cron view NAME`: one scheduled task. */
import { defineCommand } from "../../command.ts";
import type { NatsFlags } from "../../config.ts";
import type { CliContext } from "../../context.ts";
import { scheduleNameArg } from "./name-arg.ts";
import { scheduleJson, showSchedule } from "./show.ts";

interface ViewArgs extends NatsFlags {
  name: string;
  json: boolean;
}

/** The `ajc task cron view` command. */
export function cronViewCommand(ctx: CliContext) {
  return defineCommand<ViewArgs>(ctx, {
    command: "view <name>",
    aliases: ["show", "v"],
    describe: "Shows a scheduled task",
    json: true,
    builder: scheduleNameArg,
    run: async ({ argv, client }) => {
      const s = await client.loadSchedule(argv.name);
      return { text: showSchedule(s), json: scheduleJson(s) };
    },
  });
}
