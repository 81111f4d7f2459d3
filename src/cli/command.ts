/**
 * The shape most commands share, "connect, load, confirm, act, print", written once: a command
 * gives its name, flags and what it does; `defineCommand` adds `--json` and `-f/--force` when asked
 * for, connects with the NATS flags, asks before destructive work and prints the result as text
 * or, under `--json`, as JSON. Failures are thrown `AjcError`s (exit 1, see main.ts).
 */
import type { Argv, CommandModule } from "yargs";
import type { Client, ClientOptions } from "../client.ts";
import type { NatsFlags } from "./config.ts";
import type { CliContext } from "./context.ts";
import { forceFlag, jsonFlag } from "./flags.ts";

/** What a command prints: a text line, or text and its JSON form (printed under `--json`). */
export type CommandOutput = string | { text: string; json: unknown } | undefined;

/** What `run` gets besides the arguments. */
export interface CommandRun<A> {
  argv: A;
  client: Client;
  /** Asks `question` (y/N) unless `--force` was given; refuses without a terminal. */
  confirm(question: string): Promise<void>;
  /** Sets the exit status for a command that fails without throwing (it still prints). */
  exitWith(code: number): void;
}

export interface CommandSpec<A> {
  command: string;
  aliases?: string[];
  describe: string;
  /** Adds `--json` (before the command's own flags; a builder may add it itself elsewhere). */
  json?: boolean;
  /** Adds `-f/--force` (before the command's own flags). */
  force?: boolean;
  /** The command's positionals and flags. */
  builder?: (y: Argv<object>) => Argv<object>;
  /** Checks the arguments before connecting, so a bad one fails without dialling NATS. */
  check?: (argv: A) => void;
  /** Client options taken from the arguments (signing keys). */
  connect?: (argv: A) => Partial<Omit<ClientOptions, "connection">>;
  run(r: CommandRun<A>): Promise<CommandOutput>;
}

/** A yargs command module for `spec`. */
export function defineCommand<A extends NatsFlags>(
  ctx: CliContext,
  spec: CommandSpec<A>,
): CommandModule<object, A> {
  return {
    command: spec.command,
    ...(spec.aliases ? { aliases: spec.aliases } : {}),
    describe: spec.describe,
    builder: (y: Argv<object>) => {
      let b: Argv<object> = y;
      if (spec.json) b = jsonFlag(b);
      if (spec.force) b = forceFlag(b);
      return (spec.builder ? spec.builder(b) : b) as Argv<A>;
    },
    handler: async (parsed) => {
      const argv = parsed as unknown as A;
      const flags = parsed as { json?: boolean; force?: boolean };
      spec.check?.(argv);
      const client = await ctx.connect(argv, spec.connect?.(argv) ?? {});
      const out = await spec.run({
        argv,
        client,
        confirm: (q) => ctx.confirm(q, flags.force),
        exitWith: (code) => {
          ctx.exitCode = code;
        },
      });
      if (out === undefined) return;
      if (typeof out === "string") ctx.io.out(out);
      else if (flags.json) ctx.json(out.json);
      else ctx.io.out(out.text);
    },
  };
}
