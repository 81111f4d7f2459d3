/** `ajc queue ls`: every work queue in a table. */
import { defineCommand } from "../../command.ts";
import type { NatsFlags } from "../../config.ts";
import type { CliContext } from "../../context.ts";
import { humanBytes, humanDuration, humanLimit, table } from "../../output.ts";

interface LsArgs extends NatsFlags {
  json: boolean;
}

/** The `ajc queue ls` command. */
export function queueLsCommand(ctx: CliContext) {
  return defineCommand<LsArgs>(ctx, {
    command: "ls",
    aliases: ["list"],
    describe: "Lists the work queues",
    json: true,
    run: async ({ client }) => {
      const queues = await client.listQueues();
      if (queues.length === 0) return { text: "No queues defined", json: queues };
      const text = table(
        [
          "Name",
          "Entries",
          "Size",
          "In flight",
          "Replicas",
          "Max age",
          "Max entries",
          "Max tries",
          "Run time",
          "Concurrent",
        ],
        queues.map((q) => [
          q.name,
          q.entries,
          humanBytes(q.bytes),
          q.in_flight,
          q.replicas,
          humanDuration(q.max_age),
          humanLimit(q.max_entries),
          humanLimit(q.max_tries),
          humanDuration(q.max_runtime),
          q.max_concurrent,
        ]),
      );
      return { text, json: queues };
    },
  });
}
