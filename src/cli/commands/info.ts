/** `ajc info`: the task store, the configuration store, elections, every queue and their replication. */
import type { Client } from "../../client.ts";
import { parseGoDuration } from "../../core/duration.ts";
import { defineCommand } from "../command.ts";
import type { NatsFlags } from "../config.ts";
import type { CliContext } from "../context.ts";
import { humanBytes, humanDuration, humanLimit, keyValues, table } from "../output.ts";

interface InfoArgs extends NatsFlags {
  replicas?: number;
  memory?: boolean;
  retention?: string;
  json: boolean;
}

/** Everything `ajc info` shows, as its `--json` prints it. */
async function gather(client: Client) {
  const tasks = await client.taskStoreInfo();
  const queues = await client.listQueues();
  const schedules = await client.listSchedules();
  const elections = await (await client.storage.elections()).status();
  const replication = await client.replication();
  const delayed = client.delayedTasks();
  return { tasks, queues, schedules: schedules.length, elections, replication, delayed_tasks: delayed };
}

type Info = Awaited<ReturnType<typeof gather>>;

/** The sections of the text form, each a heading and its lines. */
function infoText(i: Info): string {
  const { tasks, elections, delayed_tasks: delayed, queues, replication } = i;
  const sections: [string, string][] = [
    [
      "Tasks Storage",
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
    ],
    [
      "Configuration Storage",
      keyValues([
        ["Bucket", "CHORIA_AJ_CONFIGURATION"],
        ["Schedules", i.schedules],
      ]),
    ],
    [
      "Leader Elections",
      keyValues([
        ["Bucket", elections.bucket],
        ["TTL", humanDuration(elections.ttlMs * 1_000_000)],
        ["Elections", elections.values],
      ]),
    ],
    [
      "Delayed Tasks",
      keyValues([
        ["Available", delayed.available ? "yes" : `no (needs nats-server ${delayed.needs} or newer)`],
        ["NATS server", delayed.server],
      ]),
    ],
    [
      "Queues",
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
    ],
    [
      "Replication",
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
    ],
  ];
  return sections.map(([heading, body]) => `${heading}:\n${body}`).join("\n\n");
}

export function infoCommand(ctx: CliContext) {
  return defineCommand<InfoArgs>(ctx, {
    command: "info",
    describe: "Shows the task store, configuration store, elections and every queue",
    json: true,
    builder: (y) =>
      y
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
    connect: (argv) => ({
      taskStore: {
        replicas: argv.replicas,
        memory: argv.memory,
        retentionNs: argv.retention ? parseGoDuration(argv.retention, "retention") : 0,
      },
    }),
    run: async ({ client }) => {
      const info = await gather(client);
      return { text: infoText(info), json: info };
    },
  });
}
