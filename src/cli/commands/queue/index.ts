/** `ajc queue` (aliases `q`, `queues`): subcommands registered explicitly, one module each. */
import type { Argv, CommandModule } from "yargs";
import type { CliContext } from "../../context.ts";
import type { CommandFactory } from "../index.ts";
import { queueAddCommand } from "./add.ts";
import { queueConfigureCommand } from "./configure.ts";
import { queueInfoCommand } from "./info.ts";
import { queueLsCommand } from "./ls.ts";
import { queuePurgeCommand } from "./purge.ts";
import { queueRmCommand } from "./rm.ts";

/** Add each `ajc queue` subcommand here (one import, one entry). */
const QUEUE_SUBCOMMANDS: CommandFactory[] = [
  queueAddCommand,
  queueLsCommand,
  queueInfoCommand,
  queueConfigureCommand,
  queuePurgeCommand,
  queueRmCommand,
];

export function queueCommand(ctx: CliContext): CommandModule {
  return {
    command: "queue",
    aliases: ["q", "queues"],
    describe: "Manage work queues",
    builder: (y: Argv) => {
      for (const make of QUEUE_SUBCOMMANDS) y.command(make(ctx));
      return y.demandCommand(1, "name a queue subcommand");
    },
    handler: () => {},
  };
}
