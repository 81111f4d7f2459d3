/** `ajc queue add NAME`: creates a work queue. */
import type { Argv, CommandModule } from "yargs";
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
export function queueAddCommand(ctx: CliContext): CommandModule<object, AddArgs> {
  return {
    command: "add <name>",
    aliases: ["new", "n", "a"],
    describe: "Creates a work queue (an existing one is an error)",
    builder: (y: Argv<object>) =>
      jsonFlag(queueSettingsFlags(y, true))
        .positional("name", { type: "string", demandOption: true, describe: "queue name" })
        .option("memory", { type: "boolean", default: false, describe: "keep the queue in memory" }),
    handler: async (argv) => {
      const client = await ctx.connect(argv);
      const info = await client.createQueue(specFromFlags(argv.name, argv), {
        memory: argv.memory,
        replicas: argv.replicas,
      });
      if (argv.json) ctx.json(info);
      else ctx.io.out(showQueue(info));
    },
  };
}
