/** `ajc task configure RETENTION [REPLICAS]`: changes the task store's retention and replicas. */
import { parseGoDuration } from "../../../core/duration.ts";
import { defineCommand } from "../../command.ts";
import type { NatsFlags } from "../../config.ts";
import type { CliContext } from "../../context.ts";
import { showTaskStore } from "./show.ts";

interface ConfigureArgs extends NatsFlags {
  retention: string;
  replicas?: number;
  json: boolean;
}

/** The `ajc task configure` command. */
export function taskConfigureCommand(ctx: CliContext) {
  return defineCommand<ConfigureArgs>(ctx, {
    command: "configure <retention> [replicas]",
    aliases: ["config", "cfg"],
    describe: "Changes how long tasks are kept and the store's replicas",
    json: true,
    builder: (y) =>
      y
        .positional("retention", {
          type: "string",
          demandOption: true,
          describe: "how long tasks are kept, a Go duration (0s: forever)",
        })
        .positional("replicas", { type: "number", describe: "stream replicas (1..5); default: unchanged" }),
    prepare: (argv) => parseGoDuration(argv.retention, "retention"),
    run: async ({ argv, client }) => {
      const retentionNs = parseGoDuration(argv.retention, "retention");
      const replicas = argv.replicas ?? (await client.taskStoreInfo()).replicas;
      await client.configureTaskStore(retentionNs, replicas);
      const info = await client.taskStoreInfo();
      return { text: showTaskStore(info), json: info };
    },
  });
}
