/**
 * Every top-level command, registered explicitly: a compiled single binary has no command
 * directory to read at run time.
 */
import type { CommandFactory } from "../command.ts";
import { completionCommand } from "./completion.ts";
import { devCommand } from "./dev.ts";
import { infoCommand } from "./info.ts";
import { queueCommand } from "./queue/index.ts";
import { serverCommand } from "./server.ts";
import { taskCommand } from "./task/index.ts";
import { versionCommand } from "./version.ts";

/** Add each top-level command here (one import, one entry). */
export const COMMANDS: CommandFactory[] = [
  infoCommand,
  queueCommand,
  taskCommand,
  completionCommand,
  serverCommand,
  devCommand,
  versionCommand,
];
