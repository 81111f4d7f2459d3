/** `ajc queue` (aliases `q`, `queues`): subcommands registered explicitly, one module each. */
import { type CommandFactory, defineGroup } from "../../command.ts";
import type { CliContext } from "../../context.ts";
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

export function queueCommand(ctx: CliContext) {
  return defineGroup(ctx, {
    command: "queue",
    aliases: ["q", "queues"],
    describe: "Manage work queues",
    subcommands: QUEUE_SUBCOMMANDS,
  });
}
