/** `ajc task` (aliases `t`, `tasks`): subcommands registered explicitly, one module each. */
import { type CommandFactory, defineGroup } from "../../command.ts";
import type { CliContext } from "../../context.ts";
import { cronCommand } from "../cron/index.ts";
import { taskAddCommand } from "./add.ts";
import { taskConfigureCommand } from "./configure.ts";
import { taskInitializeCommand } from "./initialize.ts";
import { taskLsCommand } from "./ls.ts";
import { taskProcessCommand } from "./process.ts";
import { taskPurgeCommand } from "./purge.ts";
import { taskRescueCommand } from "./rescue.ts";
import { taskRetryCommand } from "./retry.ts";
import { taskRmCommand } from "./rm.ts";
import { taskViewCommand } from "./view.ts";
import { taskWatchCommand } from "./watch.ts";

/** Add each `ajc task` subcommand here (one import, one entry). */
const TASK_SUBCOMMANDS: CommandFactory[] = [
  taskAddCommand,
  taskViewCommand,
  taskLsCommand,
  taskRetryCommand,
  taskRescueCommand,
  taskRmCommand,
  taskPurgeCommand,
  taskInitializeCommand,
  taskConfigureCommand,
  taskWatchCommand,
  taskProcessCommand,
  cronCommand,
];

export function taskCommand(ctx: CliContext) {
  return defineGroup(ctx, {
    command: "task",
    aliases: ["t", "tasks"],
    describe: "Manage and process tasks",
    subcommands: TASK_SUBCOMMANDS,
  });
}
