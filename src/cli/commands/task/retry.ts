/** `ajc task retry ID`: enqueues a task again, into its own queue. */
import type { Argv, CommandModule } from "yargs";
import type { NatsFlags } from "../../config.ts";
import type { CliContext } from "../../context.ts";
import { jsonFlag } from "../../flags.ts";
import { type KeyArgs, keyFlags, keyOptions } from "./keys.ts";
import { taskJson } from "./show.ts";

interface RetryArgs extends NatsFlags, KeyArgs {
  id: string;
  json: boolean;
}

/** The `ajc task retry` command. */
export function taskRetryCommand(ctx: CliContext): CommandModule<object, RetryArgs> {
  return {
    command: "retry <id>",
    describe: "Retries a task: state retry, result cleared, enqueued into its own queue",
    builder: (y: Argv<object>) =>
      keyFlags(jsonFlag(y)).positional("id", { type: "string", demandOption: true, describe: "task id" }),
    handler: async (argv) => {
      const client = await ctx.connect(argv, keyOptions(argv));
      const task = await client.retryTask(argv.id);
      if (argv.json) ctx.json(taskJson(task));
      else ctx.io.out(`Retried task ${task.id} in queue ${task.queue}`);
    },
  };
}
