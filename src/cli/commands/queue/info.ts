/** `ajc queue info NAME`: one work queue's settings and state. */
import type { Argv, CommandModule } from "yargs";
import type { NatsFlags } from "../../config.ts";
import type { CliContext } from "../../context.ts";
import { jsonFlag } from "../../flags.ts";
import { showQueue } from "./show.ts";

interface InfoArgs extends NatsFlags {
  name: string;
  json: boolean;
}

/** The `ajc queue info` command. */
export function queueInfoCommand(ctx: CliContext): CommandModule<object, InfoArgs> {
  return {
    command: "info <name>",
    aliases: ["view", "i"],
    describe: "Shows a work queue's settings and state",
    builder: (y: Argv<object>) =>
      jsonFlag(y).positional("name", { type: "string", demandOption: true, describe: "queue name" }),
    handler: async (argv) => {
      const client = await ctx.connect(argv);
      const info = await client.queueInfo(argv.name);
      if (argv.json) ctx.json(info);
      else ctx.io.out(showQueue(info));
    },
  };
}
