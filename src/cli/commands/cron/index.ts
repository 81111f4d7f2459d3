/** `ajc task cron` (alias `c`): schedules; subcommands registered explicitly, one module each. */
import type { Argv, CommandModule } from "yargs";
import type { CliContext } from "../../context.ts";
import type { CommandFactory } from "../index.ts";

/** Add each `ajc task cron` subcommand here (one import, one entry). */
const CRON_SUBCOMMANDS: CommandFactory[] = [];

export function cronCommand(ctx: CliContext): CommandModule {
  return {
    command: "cron",
    aliases: ["c"],
    describe: "Manage scheduled tasks and run the scheduler",
    builder: (y: Argv) => {
      for (const make of CRON_SUBCOMMANDS) y.command(make(ctx));
      return y.demandCommand(1, "name a cron subcommand");
    },
    handler: () => {},
  };
}
