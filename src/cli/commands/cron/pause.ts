/**
 * `ajc task cron pause NAME` and `ajc task cron resume NAME`: a paused schedule is fired by no
 * scheduler, a Go one included, until it is resumed (see store/schedules.ts for how).
 */
import { defineCommand } from "../../command.ts";
import type { NatsFlags } from "../../config.ts";
import type { CliContext } from "../../context.ts";
import { scheduleNameArg } from "./name-arg.ts";
import { scheduleJson } from "./show.ts";

interface PauseArgs extends NatsFlags {
  name: string;
  json: boolean;
}

/** The `ajc task cron pause` command. */
export function cronPauseCommand(ctx: CliContext) {
  return defineCommand<PauseArgs>(ctx, {
    command: "pause <name>",
    describe: "Pauses a scheduled task: no scheduler fires it until it is resumed",
    json: true,
    builder: scheduleNameArg,
    run: async ({ argv, client }) => {
      const s = await client.pauseSchedule(argv.name);
      return {
        text: `Paused scheduled task ${s.name}; resume it with: ajc task cron resume ${s.name}`,
        json: scheduleJson(s),
      };
    },
  });
}

/** The `ajc task cron resume` command. */
export function cronResumeCommand(ctx: CliContext) {
  return defineCommand<PauseArgs>(ctx, {
    command: "resume <name>",
    describe: "Resumes a paused scheduled task (its next firing counts from now)",
    json: true,
    builder: scheduleNameArg,
    run: async ({ argv, client }) => {
      const s = await client.resumeSchedule(argv.name);
      return { text: `Resumed scheduled task ${s.name} (${s.schedule})`, json: scheduleJson(s) };
    },
  });
}
