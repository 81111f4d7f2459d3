/**
 * The shape most commands share, "connect, load, confirm, act, print", written once: a command
 * gives its name, flags and what it does; `defineCommand` adds `--json` and `-f/--force` when asked
 * for, connects with the NATS flags, asks before destructive work and prints the result as text
 * or, under `--json`, as JSON. Failures are thrown `AjcError`s (exit 1, see main.ts).
 *
 * A long-running command has the same shape: it checks its flags in `prepare`, connects with
 * `reconnectForever`, and `run` waits on `stopOnSignal` until it is told to stop. A command that
 * needs no NATS connection uses `defineLocalCommand`, the same without connecting.
 */
import type { Argv, CommandModule } from "yargs";
import type { Client } from "../client.ts";
import type { NatsFlags } from "./config.ts";
import type { CliContext, ConnectOptions } from "./context.ts";
import { forceFlag, jsonFlag } from "./flags.ts";
import { type StopOnSignal, type StopOnSignalHooks, stopOnSignal } from "./signals.ts";

/** What a command prints: a text line, or text and its JSON form (printed under `--json`). */
export type CommandOutput = string | { text: string; json: unknown } | undefined;

/** What `run` gets besides the arguments. */
export interface LocalCommandRun<A, P> {
  argv: A;
  /** What `prepare` returned. */
  prepared: P;
  /** Asks `question` (y/N) unless `--force` was given; refuses without a terminal. */
  confirm(question: string): Promise<void>;
  /** Sets the exit status for a command that fails without throwing (it still prints). */
  exitWith(code: number): void;
  /**
   * Starts listening for SIGINT and SIGTERM as `src/cli/signals.ts` says; the listening ends when
   * `run` does. Called where the command is ready to be stopped, not before: a signal that comes
   * earlier still ends the process at once.
   */
  stopOnSignal(hooks?: StopOnSignalHooks): StopOnSignal;
}

/** What `run` of a command that connects gets: the connected client too. */
export interface CommandRun<A, P> extends LocalCommandRun<A, P> {
  client: Client;
}

export interface LocalCommandSpec<A, P> {
  command: string;
  aliases?: string[];
  describe: string;
  /** Adds `--json` (before the command's own flags; a builder may add it itself elsewhere). */
  json?: boolean;
  /** Adds `-f/--force` (before the command's own flags). */
  force?: boolean;
  /** The command's positionals and flags. */
  builder?: (y: Argv<object>) => Argv<object>;
  /**
   * Checks the arguments first (before connecting, so a bad one fails without dialling NATS);
   * what it returns (flags turned into options) reaches `connect` and `run` as `prepared`.
   */
  prepare?: (argv: A) => P;
  run(r: LocalCommandRun<A, P>): Promise<CommandOutput>;
}

export interface CommandSpec<A, P> extends Omit<LocalCommandSpec<A, P>, "run"> {
  /** Client and connection options taken from the arguments (signing keys, reconnecting). */
  connect?: (argv: A, prepared: P) => ConnectOptions;
  run(r: CommandRun<A, P>): Promise<CommandOutput>;
}

/** A yargs command module for `spec`: connects with the NATS flags before `run`. */
export function defineCommand<A extends NatsFlags, P = void>(
  ctx: CliContext,
  spec: CommandSpec<A, P>,
): CommandModule<object, A> {
  return defineLocalCommand<A, P>(ctx, {
    ...spec,
    run: async (r) => {
      const client = await ctx.connect(r.argv, spec.connect?.(r.argv, r.prepared) ?? {});
      return spec.run({ ...r, client });
    },
  });
}

/**
 * A yargs command module for a command that connects to no NATS (`version`, `completion`, and
 * `dev`, which starts its own): the same flags, prompts, signals and printing.
 */
export function defineLocalCommand<A, P = void>(
  ctx: CliContext,
  spec: LocalCommandSpec<A, P>,
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
      const prepared = spec.prepare?.(argv) as P;
      const listening: StopOnSignal[] = [];
      let out: CommandOutput;
      try {
        out = await spec.run({
          argv,
          prepared,
          confirm: (q) => ctx.confirm(q, flags.force),
          exitWith: (code) => {
            ctx.exitCode = code;
          },
          stopOnSignal: (hooks) => {
            const stop = stopOnSignal(hooks);
            listening.push(stop);
            return stop;
          },
        });
      } finally {
        for (const stop of listening) stop.dispose();
      }
      if (out === undefined) return;
      if (typeof out === "string") ctx.io.out(out);
      else if (flags.json) ctx.json(out.json);
      else ctx.io.out(out.text);
    },
  };
}

// biome-ignore lint/suspicious/noExplicitAny: each command has its own argument type
export type CommandFactory = (ctx: CliContext) => CommandModule<any, any>;

export interface GroupSpec {
  /** The group's word (`queue`), also in the message when no subcommand is named. */
  command: string;
  aliases?: string[];
  describe: string;
  /** Registered in this order (explicitly: a compiled binary has no directory to read). */
  subcommands: CommandFactory[];
}

/** A command that only holds subcommands (`ajc queue ...`); naming none is a usage error. */
export function defineGroup(ctx: CliContext, spec: GroupSpec): CommandModule {
  return {
    command: spec.command,
    ...(spec.aliases ? { aliases: spec.aliases } : {}),
    describe: spec.describe,
    builder: (y: Argv) => {
      for (const make of spec.subcommands) y.command(make(ctx));
      return y.demandCommand(1, `name a ${spec.command} subcommand`);
    },
    handler: () => {},
  };
}
