/** `ajc queue rm NAME`: deletes a work queue with its work items (the tasks stay in the task store). */
import { defineCommand } from "../../command.ts";
import type { NatsFlags } from "../../config.ts";
import type { CliContext } from "../../context.ts";

interface RmArgs extends NatsFlags {
  name: string;
  force: boolean;
}

/** The `ajc queue rm` command. */
export function queueRmCommand(ctx: CliContext) {
  return defineCommand<RmArgs>(ctx, {
    command: "rm <name>",
    aliases: ["delete", "del"],
    describe: "Deletes a work queue and its work items",
    force: true,
    builder: (y) => y.positional("name", { type: "string", demandOption: true, describe: "queue name" }),
    run: async ({ argv, client, confirm }) => {
      const info = await client.queueInfo(argv.name);
      await confirm(`Really delete queue ${argv.name} with ${info.entries} entries`);
      await client.deleteQueue(argv.name);
      return `Queue ${argv.name} was removed`;
    },
  });
}
