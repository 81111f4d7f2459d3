/** `ajc task purge`: removes every task from the task store (work queue entries stay). */
import type { Argv, CommandModule } from "yargs";
import type { NatsFlags } from "../../config.ts";
import type { CliContext } from "../../context.ts";
import { forceFlag } from "../../flags.ts";

interface PurgeArgs extends NatsFlags {
  force: boolean;
}

/** The `ajc task purge` command. */
export function taskPurgeCommand(ctx: CliContext): CommandModule<object, PurgeArgs> {
  return {
    command: "purge",
    describe: "Removes every task from the task store",
    builder: (y: Argv<object>) => forceFlag(y),
    handler: async (argv) => {
      const client = await ctx.connect(argv);
      const count = await client.countTasks();
      await ctx.confirm(
        `Really purge the task store of ${count} tasks (work queue entries are not removed)`,
        argv.force,
      );
      await client.purgeTasks();
      ctx.io.out(`Purged ${count} tasks`);
    },
  };
}
