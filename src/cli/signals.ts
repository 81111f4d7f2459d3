/**
 * The one signal policy of the long-running commands (`server run`, `task process`,
 * `task cron scheduler`, `task watch`): the first SIGINT or SIGTERM asks the command to stop
 * gracefully (drain, step down, finish running tasks); a second one exits at once with status 1.
 */
import { AjcError } from "../core/errors.ts";

export interface StopOnSignal {
  /** Aborts at the first signal, with an error naming it. */
  readonly signal: AbortSignal;
  /** Resolves with the first signal's name. */
  readonly stopped: Promise<NodeJS.Signals>;
  /** Stops listening (call once the command has stopped). */
  dispose(): void;
}

export interface StopOnSignalHooks {
  /** Told of the first signal, before `signal` aborts. */
  first?: (sig: NodeJS.Signals) => void;
  /** Told of a second signal, right before the process exits. */
  again?: (sig: NodeJS.Signals) => void;
  /** The exit status after a second signal. Default 1. */
  exitCode?: (sig: NodeJS.Signals) => number;
}

const SIGNALS: NodeJS.Signals[] = ["SIGINT", "SIGTERM"];

/** Listens for SIGINT and SIGTERM as the policy above says. */
export function stopOnSignal(hooks: StopOnSignalHooks = {}): StopOnSignal {
  const ac = new AbortController();
  let resolveStopped: (sig: NodeJS.Signals) => void = () => {};
  const stopped = new Promise<NodeJS.Signals>((resolve) => {
    resolveStopped = resolve;
  });
  const onSignal = (sig: NodeJS.Signals) => {
    if (ac.signal.aborted) {
      hooks.again?.(sig);
      process.exit(hooks.exitCode?.(sig) ?? 1);
    }
    hooks.first?.(sig);
    ac.abort(new AjcError("internal", `stopped by ${sig}`));
    resolveStopped(sig);
  };
  for (const s of SIGNALS) process.on(s, onSignal);
  return {
    signal: ac.signal,
    stopped,
    dispose: () => {
      for (const s of SIGNALS) process.off(s, onSignal);
    },
  };
}
