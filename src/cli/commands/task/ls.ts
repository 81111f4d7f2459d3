/** `ajc task ls [LIMIT]`: the oldest tasks of the task store, streamed. */
import { AjcError } from "../../../core/errors.ts";
import { defineCommand } from "../../command.ts";
import type { NatsFlags } from "../../config.ts";
import type { CliContext } from "../../context.ts";
import { table } from "../../output.ts";
import { shortTime, taskJson } from "./show.ts";

interface LsArgs extends NatsFlags {
  limit: number;
  json: boolean;
}

/** The Go `ajc`'s default. */
const DEFAULT_LIST_LIMIT = 200;

/** The `ajc task ls` command. */
export function taskLsCommand(ctx: CliContext) {
  return defineCommand<LsArgs>(ctx, {
    command: "ls [limit]",
    aliases: ["list"],
    describe: "Lists tasks, oldest first",
    json: true,
    builder: (y) =>
      y.positional("limit", {
        type: "number",
        default: DEFAULT_LIST_LIMIT,
        describe: "show at most this many tasks",
      }),
    prepare: (argv) => {
      if (!Number.isSafeInteger(argv.limit) || argv.limit < 1) {
        throw new AjcError("limit_invalid", "limit must be a positive integer");
      }
    },
    run: async ({ argv, client }) => {
      const tasks = [];
      for await (const t of client.listTasks({ limit: argv.limit })) tasks.push(t);
      // Under --json the total is not counted: the list is all that is printed.
      if (argv.json) return { text: "", json: tasks.map(taskJson) };
      const total = await client.countTasks();
      const shown =
        total > tasks.length ? `${tasks.length} of ${total}` : String(Math.max(total, tasks.length));
      const header = `${shown} task${total === 1 ? "" : "s"}`;
      if (tasks.length === 0) return header;
      return `${header}\n\n${table(
        ["ID", "Type", "Created", "State", "Queue", "Tries"],
        tasks.map((t) => [t.id, t.type, shortTime(t.created), t.state, t.queue, t.tries]),
      )}`;
    },
  });
}
