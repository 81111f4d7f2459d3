/** `ajc queue ls`: every work queue in a table. */
import type { Argv, CommandModule } from "yargs";
import type { NatsFlags } from "../../config.ts";
import type { CliContext } from "../../context.ts";
import { jsonFlag } from "../../flags.ts";
import { humanBytes, humanDuration, humanLimit, table } from "../../output.ts";

interface LsArgs extends NatsFlags {
  json: boolean;
}

/** The `ajc queue ls` command. */
export function queueLsCommand(ctx: CliContext): CommandModule<object, LsArgs> {
  return {
    command: "ls",
    aliases: ["list"],
    describe: "Lists the work queues",
    builder: (y: Argv<object>) => jsonFlag(y),
    handler: async (argv) => {
      const client = await ctx.connect(argv);
      const queues = await client.listQueues();
      if (argv.json) {
        ctx.json(queues);
        return;
      }
      if (queues.length === 0) {
        ctx.io.out("No queues defined");
        return;
      }
      ctx.io.out(
        table(
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
        ),
      );
    },
  };
}
