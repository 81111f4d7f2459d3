/** `ajc info`: the task store, the configuration store, elections, every queue and their replication. */
import type { Argv, CommandModule } from "yargs";
import { parseGoDuration } from "../../core/duration.ts";
import type { NatsFlags } from "../config.ts";
import type { CliContext } from "../context.ts";
import { jsonFlag } from "../flags.ts";
import { humanBytes, humanDuration, humanLimit, keyValues, table } from "../output.ts";

interface InfoArgs extends NatsFlags {
  replicas?: number;
  memory?: boolean;
  retention?: string;
  json: boolean;
}

export function infoCommand(ctx: CliContext): CommandModule<object, InfoArgs> {
  return {
    command: "info",
    describe: "Shows the task store, configuration store, elections and every queue",
    builder: (y: Argv<object>) =>
      jsonFlag(y)
        .option("replicas", {
          type: "number",
          describe: "replicas when the task store is created",
          default: 1,
        })
        .option("memory", {
          type: "boolean",
          describe: "keep a newly created task store in memory",
          default: false,
        })
        .option("retention", {
          type: "string",
          describe: "task retention when the task store is created (Go duration)",
        }),
    handler: async (argv: InfoArgs) => {
      const retentionNs = argv.retention ? parseGoDuration(argv.retention, "retention") : 0;
      const client = await ctx.connect(argv, {
        taskStore: { replicas: argv.replicas, memory: argv.memory, retentionNs },
      });
      const tasks = await client.taskStoreInfo();
      const queues = await client.listQueues();
      const schedules = await client.listSchedules();
      const elections = await (await client.storage.elections()).status();
      const replication = await client.replication();
      const delayed = client.delayedTasks();
      if (argv.json) {
        ctx.json({
          tasks,
          queues,
          schedules: schedules.length,
          elections,
          replication,
          delayed_tasks: delayed,
        });
        return;
      }
      ctx.io.out("Tasks Storage:\n");
      ctx.io.out(
        keyValues([
          ["Stream", tasks.stream],
          ["Tasks", tasks.messages],
          ["Size", humanBytes(tasks.bytes)],
          ["Retention", humanDuration(tasks.retentionNs, "forever")],
          ["Replicas", tasks.replicas],
          ["Storage", tasks.memory ? "memory" : "file"],
          ["First entry", tasks.firstTime],
          ["Last entry", tasks.lastTime],
        ]),
      );
      ctx.io.out("\nConfiguration Storage:\n");
      ctx.io.out(
        keyValues([
          ["Bucket", "CHORIA_AJ_CONFIGURATION"],
          ["Schedules", schedules.length],
        ]),
      );
      ctx.io.out("\nLeader Elections:\n");
      ctx.io.out(
        keyValues([
          ["Bucket", elections.bucket],
          ["TTL", humanDuration(elections.ttlMs * 1_000_000)],
          ["Elections", elections.values],
        ]),
      );
      ctx.io.out("\nDelayed Tasks:\n");
      ctx.io.out(
        keyValues([
          ["Available", delayed.available ? "yes" : `no (needs nats-server ${delayed.needs} or newer)`],
          ["NATS server", delayed.server],
        ]),
      );
      ctx.io.out("\nQueues:\n");
      ctx.io.out(
        queues.length === 0
          ? "No queues defined"
          : table(
              ["Name", "Entries", "Size", "In flight", "Max age", "Max runtime", "Max tries", "Concurrent"],
              queues.map((q) => [
                q.name,
                q.entries,
                humanBytes(q.bytes),
                q.in_flight,
                humanDuration(q.max_age),
                humanDuration(q.max_runtime),
                humanLimit(q.max_tries),
                q.max_concurrent,
              ]),
            ),
      );
      ctx.io.out("\nReplication:\n");
      ctx.io.out(
        table(
          ["Stream", "Replicas", "Leader", "Lagging"],
          replication.map((r) => [
            r.stream,
            r.consumerReplicas !== undefined && r.consumerReplicas !== r.replicas
              ? `${r.replicas} (consumer ${r.consumerReplicas})`
              : r.replicas,
            r.leader ?? "",
            r.lagging.length === 0
              ? "none"
              : r.lagging
                  .map((l) => {
                    const what = l.consumer ? `${l.server}'s consumer` : l.server;
                    return l.offline ? `${what} (offline)` : `${what} (${l.lag} behind)`;
                  })
                  .join(", "),
          ]),
        ),
      );
    },
  };
}
