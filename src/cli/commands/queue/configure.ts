/** `ajc queue configure NAME`: changes a work queue's settings in place. */
import type { Argv, CommandModule } from "yargs";
import { resolveQueue } from "../../../core/queue.ts";
import type { NatsFlags } from "../../config.ts";
import type { CliContext } from "../../context.ts";
import { jsonFlag } from "../../flags.ts";
import { type QueueSettingsArgs, queueSettingsFlags, specOver } from "./flags.ts";
import { showQueue } from "./show.ts";

interface ConfigureArgs extends NatsFlags, QueueSettingsArgs {
  name: string;
  json: boolean;
}

/** The `ajc queue configure` command. */
export function queueConfigureCommand(ctx: CliContext): CommandModule<object, ConfigureArgs> {
  return {
    command: "configure <name>",
    aliases: ["config", "cfg"],
    describe: "Changes a work queue's settings; settings not given are kept",
    builder: (y: Argv<object>) =>
      jsonFlag(queueSettingsFlags(y, false)).positional("name", {
        type: "string",
        demandOption: true,
        describe: "queue name",
      }),
    handler: async (argv) => {
      const client = await ctx.connect(argv);
      const current = await client.queueInfo(argv.name);
      const info = await client.configureQueue(resolveQueue(specOver(current, argv)), {
        replicas: argv.replicas,
      });
      if (argv.json) ctx.json(info);
      else ctx.io.out(showQueue(info));
    },
  };
}
