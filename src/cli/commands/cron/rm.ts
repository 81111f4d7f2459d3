/** `ajc task cron rm NAME`: removes a scheduled task (tasks it already created stay). */
import { defineCommand } from "../../command.ts";
import type { NatsFlags } from "../../config.ts";
import type { CliContext } from "../../context.ts";
import { scheduleNameArg } from "./name-arg.ts";

interface RmArgs extends NatsFlags {
  name: string;
  force: boolean;
}

/** The `ajc task cron rm` command. */
export function cronRmCommand(ctx: CliContext) {
  return defineCommand<RmArgs>(ctx, {
    command: "rm <name>",
    aliases: ["delete", "del"],
    describe: "Removes a scheduled task",
    force: true,
    builder: scheduleNameArg,
    run: async ({ argv, client, confirm }) => {
      await client.loadSchedule(argv.name);
      await confirm(`Really remove scheduled task ${argv.name}`);
      await client.deleteSchedule(argv.name);
      return `Removed scheduled task ${argv.name}`;
    },
  });
}
