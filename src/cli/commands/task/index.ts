/** `ajc task` (aliases `t`, `tasks`): subcommands registered explicitly, one module each. */
import type { Argv, CommandModule } from "yargs";
import type { CliContext } from "../../context.ts";
import { cronCommand } from "../cron/index.ts";
import type { CommandFactory } from "../index.ts";

/** Add each `ajc task` subcommand here (one import, one entry). */
const TASK_SUBCOMMANDS: CommandFactory[] = [cronCommand];

export function taskCommand(ctx: CliContext): CommandModule {
  return {
    command: "task",
    aliases: ["t", "tasks"],
    describe: "Manage and process tasks",
    builder: (y: Argv) => {
      for (const make of TASK_SUBCOMMANDS) y.command(make(ctx));
      return y.demandCommand(1, "name a task subcommand");
    },
    handler: () => {},
  };
}
