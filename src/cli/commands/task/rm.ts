/** `ajc task rm ID`: removes a task from the task store (its work item, if any, stays). */
import type { Argv, CommandModule } from "yargs";
import type { NatsFlags } from "../../config.ts";
import type { CliContext } from "../../context.ts";
import { forceFlag } from "../../flags.ts";

interface RmArgs extends NatsFlags {
  id: string;
  force: boolean;
}

/** The `ajc task rm` command. */
export function taskRmCommand(ctx: CliContext): CommandModule<object, RmArgs> {
  return {
    command: "rm <id>",
    aliases: ["delete", "del"],
    describe: "Removes a task from the task store",
    builder: (y: Argv<object>) =>
      forceFlag(y).positional("id", { type: "string", demandOption: true, describe: "task id" }),
    handler: async (argv) => {
      const client = await ctx.connect(argv);
      await client.loadTask(argv.id);
      await ctx.confirm(`Really remove task ${argv.id} (work queue entries are not removed)`, argv.force);
      await client.deleteTask(argv.id);
      ctx.io.out(`Removed task ${argv.id}`);
    },
  };
}
