/** `ajc task view ID`: one task's details. */
import type { Argv, CommandModule } from "yargs";
import type { NatsFlags } from "../../config.ts";
import type { CliContext } from "../../context.ts";
import { jsonFlag } from "../../flags.ts";
import { type KeyArgs, keyFlags, keyOptions } from "./keys.ts";
import { showTask, taskJson } from "./show.ts";

interface ViewArgs extends NatsFlags, KeyArgs {
  id: string;
  json: boolean;
}

/** The `ajc task view` command. */
export function taskViewCommand(ctx: CliContext): CommandModule<object, ViewArgs> {
  return {
    command: "view <id>",
    aliases: ["show", "v", "info", "i"],
    describe: "Shows a task",
    builder: (y: Argv<object>) =>
      keyFlags(jsonFlag(y)).positional("id", { type: "string", demandOption: true, describe: "task id" }),
    handler: async (argv) => {
      const client = await ctx.connect(argv, keyOptions(argv));
      const task = await client.loadTask(argv.id);
      if (argv.json) ctx.json(taskJson(task));
      else ctx.io.out(showTask(task));
    },
  };
}
