/** `ajc task cron view NAME`: one scheduled task. */
import type { Argv, CommandModule } from "yargs";
import type { NatsFlags } from "../../config.ts";
import type { CliContext } from "../../context.ts";
import { jsonFlag } from "../../flags.ts";
import { scheduleJson, showSchedule } from "./show.ts";

interface ViewArgs extends NatsFlags {
  name: string;
  json: boolean;
}

/** The `ajc task cron view` command. */
export function cronViewCommand(ctx: CliContext): CommandModule<object, ViewArgs> {
  return {
    command: "view <name>",
    aliases: ["show", "v"],
    describe: "Shows a scheduled task",
    builder: (y: Argv<object>) =>
      jsonFlag(y).positional("name", { type: "string", demandOption: true, describe: "schedule name" }),
    handler: async (argv) => {
      const client = await ctx.connect(argv);
      const s = await client.loadSchedule(argv.name);
      if (argv.json) ctx.json(scheduleJson(s));
      else ctx.io.out(showSchedule(s));
    },
  };
}
