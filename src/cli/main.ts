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

/** The part of yargs' internals `skipHelpCache` reaches (yargs is pinned; test/cli/help-cache.test.ts guards it). */
interface YargsInternals {
  getInternalMethods?: () => { getUsageInstance?: () => { cacheHelpMessage?: () => void } };
}

/**
 * yargs renders the whole help text right after starting any command's handler, in case the
 * handler later fails with a usage error (then that help is printed). Ours never do: usage is
 * checked before a handler runs, and handlers fail with AjcError. The rendering blocks the event
 * loop while `server run` is connecting to NATS, a sizeable part of its start-up, so it is turned
 * off. yargs has no public switch for it (it renders for every command with a handler), hence
 * this one reach into its internals. Without the hook (another yargs) nothing changes but the
 * speed.
 */
export function skipHelpCache(y: unknown): void {
  const usage = (y as YargsInternals).getInternalMethods?.().getUsageInstance?.();
  if (usage && typeof usage.cacheHelpMessage === "function") usage.cacheHelpMessage = () => {};
}

/** Builds the yargs parser; also used to generate the CLI reference (docs/cli.md). */
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
  skipHelpCache(y);
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
