/** `ajc task cron` (alias `c`): schedules; subcommands registered explicitly, one module each. */
import { type CommandFactory, defineGroup } from "../../command.ts";
import type { CliContext } from "../../context.ts";
import { cronAddCommand } from "./add.ts";
import { cronEditCommand } from "./edit.ts";
import { cronLsCommand } from "./ls.ts";
import { cronPauseCommand, cronResumeCommand } from "./pause.ts";
import { cronRmCommand } from "./rm.ts";
import { cronSchedulerCommand } from "./scheduler.ts";
import { cronTriggerCommand } from "./trigger.ts";
import { cronViewCommand } from "./view.ts";

/** Add each `ajc task cron` subcommand here (one import, one entry). */
const CRON_SUBCOMMANDS: CommandFactory[] = [
  cronAddCommand,
  cronLsCommand,
  cronViewCommand,
  cronEditCommand,
  cronPauseCommand,
  cronResumeCommand,
  cronTriggerCommand,
  cronRmCommand,
  cronSchedulerCommand,
];

export function cronCommand(ctx: CliContext) {
  return defineGroup(ctx, {
    command: "cron",
    aliases: ["c"],
    describe: "Manage scheduled tasks and run the scheduler",
    subcommands: CRON_SUBCOMMANDS,
  });
}
