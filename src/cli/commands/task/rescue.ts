/**
 * `ajc task rescue`: finds tasks that no work item will ever deliver and enqueues them again (or
 * marks them `queue_error` when their queue is gone), one line per task and a summary. Safe to run
 * at any time beside workers and schedulers; see `src/scheduler/rescuer.ts` for the rules.
 */
import { rescueLine, rescueSummary, rescueTasks } from "../../../scheduler/rescuer.ts";
import { defineCommand } from "../../command.ts";
import type { NatsFlags } from "../../config.ts";
import type { CliContext } from "../../context.ts";

interface RescueArgs extends NatsFlags {
  "dry-run": boolean;
  verbose: boolean;
  json: boolean;
}

/** The `ajc task rescue` command. */
export function taskRescueCommand(ctx: CliContext) {
  return defineCommand<RescueArgs>(ctx, {
    command: "rescue",
    describe: "Enqueues again the tasks no work item will deliver (stranded), or marks them queue_error",
    json: true,
    builder: (y) =>
      y
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
    run: async ({ argv, client, exitWith }) => {
      const report = await rescueTasks(client, { dryRun: argv["dry-run"], verbose: argv.verbose });
      // Something needs a person: a repair that failed, or a task the rescuer will not decide for.
      if (report.failed > 0 || report.stuck > 0) exitWith(1);
      const lines = report.entries.map((e) => rescueLine(e, report.dryRun));
      return { text: [...lines, rescueSummary(report)].join("\n"), json: report };
    },
  });
}
