/** `ajc task purge`: removes every task from the task store (work queue entries stay). */
import { defineCommand } from "../../command.ts";
import type { NatsFlags } from "../../config.ts";
import type { CliContext } from "../../context.ts";

interface PurgeArgs extends NatsFlags {
  force: boolean;
}

/** The `ajc task purge` command. */
export function taskPurgeCommand(ctx: CliContext) {
  return defineCommand<PurgeArgs>(ctx, {
    command: "purge",
    describe: "Removes every task from the task store",
    force: true,
    run: async ({ client, confirm }) => {
      const count = await client.countTasks();
      await confirm(`Really purge the task store of ${count} tasks (work queue entries are not removed)`);
      await client.purgeTasks();
      return `Purged ${count} tasks`;
    },
  });
}
