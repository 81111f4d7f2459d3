/**
 * `ajc task initialize`: creates the task store and the buckets beside it (configuration,
 * elections, idempotency) with chosen settings; what exists already is reported, not changed.
 */

import { underReplicated } from "../../../client.ts";
import { parseGoDuration } from "../../../core/duration.ts";
import { defineCommand } from "../../command.ts";
import type { NatsFlags } from "../../config.ts";
import type { CliContext } from "../../context.ts";
import { showTaskStore } from "./show.ts";

interface InitArgs extends NatsFlags {
  memory: boolean;
  retention: string;
  replicas: number;
  json: boolean;
}

/** The `ajc task initialize` command. */
export function taskInitializeCommand(ctx: CliContext) {
  return defineCommand<InitArgs, number>(ctx, {
    command: "initialize",
    aliases: ["init"],
    describe: "Creates the task store; an existing one is left as it is",
    json: true,
    builder: (y) =>
      y
        .option("memory", { type: "boolean", default: false, describe: "keep tasks in memory" })
        .option("retention", {
          type: "string",
          default: "0s",
          describe: "how long tasks are kept, a Go duration (0s: forever)",
        })
        .option("replicas", {
          type: "number",
          default: 1,
          describe: "replicas of the task store and its buckets in a JetStream cluster (1..5)",
        }),
    prepare: (argv) => parseGoDuration(argv.retention, "retention"),
    connect: (argv, retentionNs) => ({
      taskStore: { memory: argv.memory, retentionNs, replicas: argv.replicas },
    }),
    run: async ({ argv, client, prepared: retentionNs }) => {
      await client.prepareBuckets();
      const info = await client.taskStoreInfo();
      for (const line of underReplicated(await client.replication(), argv.replicas)) ctx.io.err(line);
      if (info.memory !== argv.memory || info.retentionNs !== retentionNs) {
        ctx.io.err(
          "The task store already exists with other settings; change them with `ajc task configure`",
        );
      }
      return { text: showTaskStore(info), json: info };
    },
  });
}
