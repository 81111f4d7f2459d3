/** `ajc queue add NAME`: creates a work queue. */
import { defineCommand } from "../../command.ts";
import type { NatsFlags } from "../../config.ts";
import type { CliContext } from "../../context.ts";
import { jsonFlag } from "../../flags.ts";
import { type QueueSettingsArgs, queueSettingsFlags, specFromFlags } from "./flags.ts";
import { showQueue } from "./show.ts";

interface AddArgs extends NatsFlags, QueueSettingsArgs {
  name: string;
  memory: boolean;
  json: boolean;
}

/** The `ajc queue add` command. */
export function queueAddCommand(ctx: CliContext) {
  return defineCommand<AddArgs>(ctx, {
    command: "add <name>",
    aliases: ["new", "n", "a"],
    describe: "Creates a work queue (an existing one is an error)",
    // --json before --memory, where the help has always listed it.
    builder: (y) =>
      jsonFlag(queueSettingsFlags(y, true))
        .positional("name", { type: "string", demandOption: true, describe: "queue name" })
        .option("memory", { type: "boolean", default: false, describe: "keep the queue in memory" }),
    run: async ({ argv, client }) => {
      const info = await client.createQueue(specFromFlags(argv.name, argv), {
        memory: argv.memory,
        replicas: argv.replicas,
      });
      return { text: showQueue(info), json: info };
    },
  });
}
