/** `ajc task cron rm NAME`: removes a scheduled task (tasks it already created stay). */
import type { Argv, CommandModule } from "yargs";
import type { NatsFlags } from "../../config.ts";
import type { CliContext } from "../../context.ts";
import { forceFlag } from "../../flags.ts";

interface RmArgs extends NatsFlags {
  name: string;
  force: boolean;
}

/** The `ajc task cron rm` command. */
export function cronRmCommand(ctx: CliContext): CommandModule<object, RmArgs> {
  return {
    command: "rm <name>",
    aliases: ["delete", "del"],
    describe: "Removes a scheduled task",
    builder: (y: Argv<object>) =>
      forceFlag(y).positional("name", { type: "string", demandOption: true, describe: "schedule name" }),
    handler: async (argv) => {
      const client = await ctx.connect(argv);
      await client.loadSchedule(argv.name);
      await ctx.confirm(`Really remove scheduled task ${argv.name}`, argv.force);
      await client.deleteSchedule(argv.name);
      ctx.io.out(`Removed scheduled task ${argv.name}`);
    },
  };
}
