/** `ajc queue purge NAME`: removes every work item of a queue (the tasks stay in the task store). */
import { defineCommand } from "../../command.ts";
import type { NatsFlags } from "../../config.ts";
import type { CliContext } from "../../context.ts";

interface PurgeArgs extends NatsFlags {
  name: string;
  force: boolean;
}

/** The `ajc queue purge` command. */
export function queuePurgeCommand(ctx: CliContext) {
  return defineCommand<PurgeArgs>(ctx, {
    command: "purge <name>",
    describe: "Removes every work item from a queue",
    force: true,
    builder: (y) => y.positional("name", { type: "string", demandOption: true, describe: "queue name" }),
    run: async ({ argv, client, confirm }) => {
      const info = await client.queueInfo(argv.name);
      await confirm(`Really purge all ${info.entries} entries from queue ${argv.name}`);
      await client.purgeQueue(argv.name);
      return `Queue ${argv.name} was purged`;
    },
  });
}
