/** `ajc queue purge NAME`: removes every work item of a queue (the tasks stay in the task store). */
import type { Argv, CommandModule } from "yargs";
import type { NatsFlags } from "../../config.ts";
import type { CliContext } from "../../context.ts";
import { forceFlag } from "../../flags.ts";

interface PurgeArgs extends NatsFlags {
  name: string;
  force: boolean;
}

/** The `ajc queue purge` command. */
export function queuePurgeCommand(ctx: CliContext): CommandModule<object, PurgeArgs> {
  return {
    command: "purge <name>",
    describe: "Removes every work item from a queue",
    builder: (y: Argv<object>) =>
      forceFlag(y).positional("name", { type: "string", demandOption: true, describe: "queue name" }),
    handler: async (argv) => {
      const client = await ctx.connect(argv);
      const info = await client.queueInfo(argv.name);
      await ctx.confirm(`Really purge all ${info.entries} entries from queue ${argv.name}`, argv.force);
      await client.purgeQueue(argv.name);
      ctx.io.out(`Queue ${argv.name} was purged`);
    },
  };
}
