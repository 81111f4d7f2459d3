/**
 * `ajc task rescue`: finds tasks that no work item will ever deliver and enqueues them again (or
 * marks them `queue_error` when their queue is gone), one line per task and a summary. Safe to run
 * at any time beside workers and schedulers; see `src/scheduler/rescuer.ts` for the rules.
 */
import type { Argv, CommandModule } from "yargs";
import { rescueLine, rescueSummary, rescueTasks } from "../../../scheduler/rescuer.ts";
import type { NatsFlags } from "../../config.ts";
import type { CliContext } from "../../context.ts";
import { jsonFlag } from "../../flags.ts";

interface RescueArgs extends NatsFlags {
  "dry-run": boolean;
  verbose: boolean;
  json: boolean;
}

/** The `ajc task rescue` command. */
export function taskRescueCommand(ctx: CliContext): CommandModule<object, RescueArgs> {
  return {
    command: "rescue",
    describe: "Enqueues again the tasks no work item will deliver (stranded), or marks them queue_error",
    builder: (y: Argv<object>) =>
      jsonFlag(y)
        .option("dry-run", {
          type: "boolean",
          default: false,
          describe: "only report what would be done",
        })
        .option("verbose", {
          alias: "v",
          type: "boolean",
          default: false,
          describe: "also list the tasks left alone, with why",
        }),
    handler: async (argv) => {
      const client = await ctx.connect(argv);
      const report = await rescueTasks(client, { dryRun: argv["dry-run"], verbose: argv.verbose });
      if (argv.json) {
        ctx.json(report);
      } else {
        for (const e of report.entries) ctx.io.out(rescueLine(e, report.dryRun));
        ctx.io.out(rescueSummary(report));
      }
      // Something needs a person: a repair that failed, or a task the rescuer will not decide for.
      if (report.failed > 0 || report.stuck > 0) ctx.exitCode = 1;
    },
  };
}
