/** `ajc task retry ID`: enqueues a task again, into its own queue. */
import { defineCommand } from "../../command.ts";
import type { NatsFlags } from "../../config.ts";
import type { CliContext } from "../../context.ts";
import { type KeyArgs, keyFlags, keyOptions } from "./keys.ts";
import { taskJson } from "./show.ts";

interface RetryArgs extends NatsFlags, KeyArgs {
  id: string;
  json: boolean;
}

/** The `ajc task retry` command. */
export function taskRetryCommand(ctx: CliContext) {
  return defineCommand<RetryArgs>(ctx, {
    command: "retry <id>",
    describe: "Retries a task: state retry, result cleared, enqueued into its own queue",
    json: true,
    builder: (y) => keyFlags(y).positional("id", { type: "string", demandOption: true, describe: "task id" }),
    connect: keyOptions,
    run: async ({ argv, client }) => {
      const task = await client.retryTask(argv.id);
      return { text: `Retried task ${task.id} in queue ${task.queue}`, json: taskJson(task) };
    },
  });
}
