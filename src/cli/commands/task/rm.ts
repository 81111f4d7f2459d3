/** `ajc task rm ID`: removes a task from the task store (its work item, if any, stays). */
import { defineCommand } from "../../command.ts";
import type { NatsFlags } from "../../config.ts";
import type { CliContext } from "../../context.ts";

interface RmArgs extends NatsFlags {
  id: string;
  force: boolean;
}

/** The `ajc task rm` command. */
export function taskRmCommand(ctx: CliContext) {
  return defineCommand<RmArgs>(ctx, {
    command: "rm <id>",
    aliases: ["delete", "del"],
    describe: "Removes a task from the task store",
    force: true,
    builder: (y) => y.positional("id", { type: "string", demandOption: true, describe: "task id" }),
    run: async ({ argv, client, confirm }) => {
      await client.loadTask(argv.id);
      await confirm(`Really remove task ${argv.id} (work queue entries are not removed)`);
      await client.deleteTask(argv.id);
      return `Removed task ${argv.id}`;
    },
  });
}
