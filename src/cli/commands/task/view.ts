/** `ajc task view ID`: one task's details. */
import { defineCommand } from "../../command.ts";
import type { NatsFlags } from "../../config.ts";
import type { CliContext } from "../../context.ts";
import { type KeyArgs, keyFlags, keyOptions } from "./keys.ts";
import { showTask, taskJson } from "./show.ts";

interface ViewArgs extends NatsFlags, KeyArgs {
  id: string;
  json: boolean;
}

/** The `ajc task view` command. */
export function taskViewCommand(ctx: CliContext) {
  return defineCommand<ViewArgs>(ctx, {
    command: "view <id>",
    aliases: ["show", "v", "info", "i"],
    describe: "Shows a task",
    json: true,
    builder: (y) => keyFlags(y).positional("id", { type: "string", demandOption: true, describe: "task id" }),
    connect: keyOptions,
    run: async ({ argv, client }) => {
      const task = await client.loadTask(argv.id);
      return { text: showTask(task), json: taskJson(task) };
    },
  });
}
