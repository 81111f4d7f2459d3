/**
 * The CLI: `main(argv, io)` parses with yargs, runs one command and returns the exit status.
 * Expected errors print `ajc: <message>` (exit 1); usage errors print usage (exit 2).
 */
import yargs from "yargs";
import { AjcError } from "../core/errors.ts";
import { versionString } from "../version.ts";
import { COMMANDS } from "./commands/index.ts";
import { CliContext } from "./context.ts";
import { natsFlags } from "./flags.ts";
import type { Io } from "./io.ts";

/** Thrown by our own fail handler so usage errors get exit 2. */
class UsageError extends Error {}

/** Builds the yargs parser; also used to generate the README's CLI reference. */
export function buildParser(argv: string[], ctx: CliContext) {
  let y = natsFlags(yargs(argv))
    .scriptName("ajc")
    .usage(
      "$0 <command> [options]\n\nasyncjobs on NATS JetStream: queues, tasks, schedules, workers and the HTTP API",
    )
    .version("version", "show the version", versionString())
    .alias("version", "V")
    .help("help")
    .alias("help", "h")
    .strict()
    .demandCommand(1, "name a command")
    .recommendCommands()
    .wrap(Math.min(110, process.stdout.columns || 100))
    .exitProcess(false)
    .fail((msg, err) => {
      if (err) throw err;
      throw new UsageError(msg ?? "invalid usage");
    });
  for (const make of COMMANDS) y = y.command(make(ctx));
  return y;
}

export async function main(argv: string[], io: Io): Promise<number> {
  const ctx = new CliContext(io);
  const parser = buildParser(argv, ctx);
  try {
    let helpText = "";
    await parser.parseAsync(argv, {}, (_err, _args, output) => {
      helpText = output;
    });
    if (helpText) io.out(helpText);
    return ctx.exitCode;
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`${await parser.getHelp()}\n\najc: ${err.message}`);
      return 2;
    }
    if (err instanceof AjcError) {
      io.err(`ajc: ${err.message}`);
      return 1;
    }
    io.err(`ajc: ${err instanceof Error ? err.message : String(err)}`);
    if (io.env.AJC_DEBUG && err instanceof Error && err.stack) io.err(err.stack);
    return 1;
  } finally {
    await ctx.close();
  }
}
