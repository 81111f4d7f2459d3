/**
 * Every top-level command, registered explicitly: a compiled single binary has no command
 * directory to read at run time.
 */
import type { CommandModule } from "yargs";
import type { CliContext } from "../context.ts";
import { infoCommand } from "./info.ts";

// biome-ignore lint/suspicious/noExplicitAny: each command has its own argument type
export type CommandFactory = (ctx: CliContext) => CommandModule<any, any>;

export const COMMANDS: CommandFactory[] = [infoCommand];
