/** `ajc queue rm NAME`: deletes a work queue with its work items (the tasks stay in the task store). */
import type { Argv, CommandModule } from "yargs";
import type { NatsFlags } from "../../config.ts";
import type { CliContext } from "../../context.ts";
import { forceFlag } from "../../flags.ts";

interface RmArgs extends NatsFlags {
  name: string;
  force: boolean;
}

/** The `ajc queue rm` command. */
export function queueRmCommand(ctx: CliContext): CommandModule<object, RmArgs> {
  return {
    command: "rm <name>",
    aliases: ["delete", "del"],
    describe: "Deletes a work queue and its work items",
    builder: (y: Argv<object>) =>
      forceFlag(y).positional("name", { type: "string", demandOption: true, describe: "queue name" }),
    handler: async (argv) => {
      const client = await ctx.connect(argv);
      const info = await client.queueInfo(argv.name);
      await ctx.confirm(`Really delete queue ${argv.name} with ${info.entries} entries`, argv.force);
      await client.deleteQueue(argv.name);
      ctx.io.out(`Queue ${argv.name} was removed`);
    },
  };
}
