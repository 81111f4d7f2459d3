/** `ajc task cron trigger NAME`: enqueues the schedule's task once, now (paused schedules too). */
import type { Argv, CommandModule } from "yargs";
import type { NatsFlags } from "../../config.ts";
import type { CliContext } from "../../context.ts";
import { jsonFlag } from "../../flags.ts";
import { taskJson } from "../task/show.ts";

interface TriggerArgs extends NatsFlags {
  name: string;
  json: boolean;
}

/** The `ajc task cron trigger` command. */
export function cronTriggerCommand(ctx: CliContext): CommandModule<object, TriggerArgs> {
  return {
    command: "trigger <name>",
    aliases: ["run"],
    describe: "Enqueues a scheduled task's task once, now; its regular firings are unchanged",
    builder: (y: Argv<object>) =>
      jsonFlag(y).positional("name", { type: "string", demandOption: true, describe: "schedule name" }),
    handler: async (argv) => {
      const client = await ctx.connect(argv);
      const task = await client.triggerSchedule(argv.name);
      if (argv.json) ctx.json(taskJson(task));
      else
        ctx.io.out(
          `Enqueued task ${task.id} (${task.type}) in queue ${task.queue} from scheduled task ${argv.name}`,
        );
    },
  };
}
