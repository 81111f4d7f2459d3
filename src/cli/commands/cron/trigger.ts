/** `ajc task cron trigger NAME`: enqueues the schedule's task once, now (paused schedules too). */
import { defineCommand } from "../../command.ts";
import type { NatsFlags } from "../../config.ts";
import type { CliContext } from "../../context.ts";
import { taskJson } from "../task/show.ts";
import { scheduleNameArg } from "./name-arg.ts";

interface TriggerArgs extends NatsFlags {
  name: string;
  json: boolean;
}

/** The `ajc task cron trigger` command. */
export function cronTriggerCommand(ctx: CliContext) {
  return defineCommand<TriggerArgs>(ctx, {
    command: "trigger <name>",
    aliases: ["run"],
    describe: "Enqueues a scheduled task's task once, now; its regular firings are unchanged",
    json: true,
    builder: scheduleNameArg,
    run: async ({ argv, client }) => {
      const task = await client.triggerSchedule(argv.name);
      return {
        text: `Enqueued task ${task.id} (${task.type}) in queue ${task.queue} from scheduled task ${argv.name}`,
        json: taskJson(task),
      };
    },
  });
}
