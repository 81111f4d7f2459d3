/**
 * `ajc task cron pause NAME` and `ajc task cron resume NAME`: a paused schedule is fired by no
 * scheduler, a Go one included, until it is resumed (see store/schedules.ts for how).
 */
import type { Argv, CommandModule } from "yargs";
import type { NatsFlags } from "../../config.ts";
import type { CliContext } from "../../context.ts";
import { jsonFlag } from "../../flags.ts";
import { scheduleJson } from "./show.ts";

interface PauseArgs extends NatsFlags {
  name: string;
  json: boolean;
}

/** The `ajc task cron pause` command. */
export function cronPauseCommand(ctx: CliContext): CommandModule<object, PauseArgs> {
  return {
    command: "pause <name>",
    describe: "Pauses a scheduled task: no scheduler fires it until it is resumed",
    builder: (y: Argv<object>) =>
      jsonFlag(y).positional("name", { type: "string", demandOption: true, describe: "schedule name" }),
    handler: async (argv) => {
      const client = await ctx.connect(argv);
      const s = await client.pauseSchedule(argv.name);
      if (argv.json) ctx.json(scheduleJson(s));
      else ctx.io.out(`Paused scheduled task ${s.name}; resume it with: ajc task cron resume ${s.name}`);
    },
  };
}

/** The `ajc task cron resume` command. */
export function cronResumeCommand(ctx: CliContext): CommandModule<object, PauseArgs> {
  return {
    command: "resume <name>",
    describe: "Resumes a paused scheduled task (its next firing counts from now)",
    builder: (y: Argv<object>) =>
      jsonFlag(y).positional("name", { type: "string", demandOption: true, describe: "schedule name" }),
    handler: async (argv) => {
      const client = await ctx.connect(argv);
      const s = await client.resumeSchedule(argv.name);
      if (argv.json) ctx.json(scheduleJson(s));
      else ctx.io.out(`Resumed scheduled task ${s.name} (${s.schedule})`);
    },
  };
}
