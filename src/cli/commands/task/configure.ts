/** `ajc task configure RETENTION [REPLICAS]`: changes the task store's retention and replicas. */
import type { Argv, CommandModule } from "yargs";
import { parseGoDuration } from "../../../core/duration.ts";
import type { NatsFlags } from "../../config.ts";
import type { CliContext } from "../../context.ts";
import { jsonFlag } from "../../flags.ts";
import { showTaskStore } from "./show.ts";

interface ConfigureArgs extends NatsFlags {
  retention: string;
  replicas?: number;
  json: boolean;
}

/** The `ajc task configure` command. */
export function taskConfigureCommand(ctx: CliContext): CommandModule<object, ConfigureArgs> {
  return {
    command: "configure <retention> [replicas]",
    aliases: ["config", "cfg"],
    describe: "Changes how long tasks are kept and the store's replicas",
    builder: (y: Argv<object>) =>
      jsonFlag(y)
        .positional("retention", {
          type: "string",
          demandOption: true,
          describe: "how long tasks are kept, a Go duration (0s: forever)",
        })
        .positional("replicas", { type: "number", describe: "stream replicas (1..5); default: unchanged" }),
    handler: async (argv) => {
      const retentionNs = parseGoDuration(argv.retention, "retention");
      const client = await ctx.connect(argv);
      const replicas = argv.replicas ?? (await client.taskStoreInfo()).replicas;
      await client.configureTaskStore(retentionNs, replicas);
      const info = await client.taskStoreInfo();
      if (argv.json) ctx.json(info);
      else ctx.io.out(showTaskStore(info));
    },
  };
}
