/** `ajc queue configure NAME`: changes a work queue's settings in place. */
import { resolveQueue } from "../../../core/queue.ts";
import { defineCommand } from "../../command.ts";
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
export function queueConfigureCommand(ctx: CliContext) {
  return defineCommand<ConfigureArgs>(ctx, {
    command: "configure <name>",
    aliases: ["config", "cfg"],
    describe: "Changes a work queue's settings; settings not given are kept",
    // --json after the queue settings, where the help has always listed it.
    builder: (y) =>
      jsonFlag(queueSettingsFlags(y, false)).positional("name", {
        type: "string",
        demandOption: true,
        describe: "queue name",
      }),
    run: async ({ argv, client }) => {
      const current = await client.queueInfo(argv.name);
      const info = await client.configureQueue(resolveQueue(specOver(current, argv)), {
        replicas: argv.replicas,
      });
      return { text: showQueue(info), json: info };
    },
  });
}
