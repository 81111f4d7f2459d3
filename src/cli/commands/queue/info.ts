/** `ajc queue info NAME`: one work queue's settings and state. */

import { defineCommand } from "../../command.ts";
import type { NatsFlags } from "../../config.ts";
import type { CliContext } from "../../context.ts";
import { showQueue } from "./show.ts";

interface InfoArgs extends NatsFlags {
  name: string;
  json: boolean;
}

/** The `ajc queue info` command. */
export function queueInfoCommand(ctx: CliContext) {
  return defineCommand<InfoArgs>(ctx, {
    command: "info <name>",
    aliases: ["view", "i"],
    describe: "Shows a work queue's settings and state",
    json: true,
    builder: (y) => y.positional("name", { type: "string", demandOption: true, describe: "queue name" }),
    run: async ({ argv, client }) => {
      const info = await client.queueInfo(argv.name);
      return { text: showQueue(info), json: info };
    },
  });
}
