/**
 * What a handler is given for one run of a task: the task, its payload as bytes and as JSON, the
 * deadline with an abort signal, and a way to ask for more time.
 */
import { payloadBytes, type Task } from "../core/task.ts";

/** One run of a task, as a handler sees it. */
export interface TaskContext {
  /** The task as stored when the run began: state `active`, `tries` already counts this run. */
  readonly task: Readonly<Task>;
  readonly id: string;
  readonly type: string;
  /** The payload's bytes (empty when the task has none). */
  readonly payload: Uint8Array;
  /** The payload parsed as JSON; undefined when it is empty or not JSON. */
  readonly json: unknown;
  /** This run's number: 1 for the first try. */
  readonly attempt: number;
  /** When the handler must be done; `extendLease` moves it. */
  readonly deadline: Date;
  /**
   * Aborted when the deadline passes (the task then counts as failed and is retried), or when the
   * worker stops and its grace period is over (the task is handed back without using up a try).
   */
  readonly signal: AbortSignal;
  /**
   * Asks JetStream for another queue max-run-time (`+WPI`). Resolves once the server confirmed,
   * and only then moves `deadline`; rejects (deadline unchanged) when it could not be extended.
   */
  extendLease(): Promise<void>;
}

/** Handles a task: returns its result (any JSON value), throws to retry, or throws `TerminateTaskError`. */
export type Handler = (ctx: TaskContext) => unknown | Promise<unknown>;

/**
 * Wraps handlers (logging, tracing, auth...). Call `next()` to run the rest of the chain and
 * return its result, or return without calling it to short-circuit.
 */
export type Middleware = (ctx: TaskContext, next: () => Promise<unknown>) => unknown | Promise<unknown>;

/** Thrown into a run whose deadline passed. */
export class HandlerDeadlineError extends Error {
  constructor(message = "handler deadline exceeded") {
    super(message);
    this.name = "HandlerDeadlineError";
  }
}

/** Thrown into a run that a stopping worker cut short (after its stop grace period). */
export class WorkerStoppingError extends Error {
  constructor(message = "the worker stopped before the handler finished") {
    super(message);
    this.name = "WorkerStoppingError";
  }
}

/**
 * The deadline of one run: aborts `signal` when it passes, and can be moved on by another run
 * time (after the server confirmed the lease extension). One timer per run; the AbortController
 * is made only when a handler asks for `signal` (most never do).
 */
export class Lease {
  #controller?: AbortController;
  #timer?: ReturnType<typeof setTimeout>;
  #deadlineMs = 0;
  /** Set once the deadline has passed (or the run was aborted). */
  #expired?: Error;
  /** Fails the run under way, if any. */
  #fail?: (err: Error) => void;

  constructor(
    private readonly runtimeMs: number,
    private readonly now: () => number,
  ) {
    this.rearm();
  }

  get signal(): AbortSignal {
    if (!this.#controller) {
      this.#controller = new AbortController();
      if (this.#expired) this.#controller.abort(this.#expired);
    }
    return this.#controller.signal;
  }

  get deadline(): Date {
    return new Date(this.#deadlineMs);
  }

  /** Starts a new run time from now. */
  rearm(): void {
    if (this.#expired) return;
    clearTimeout(this.#timer);
    this.#deadlineMs = this.now() + this.runtimeMs;
    // Timers overflow past 2^31-1 ms (~24.8 days); no real run time is that long.
    const ms = Math.min(this.runtimeMs, 2 ** 31 - 1);
    this.#timer = setTimeout(() => this.#expire(), ms);
  }

  #expire(): void {
    this.abort(new HandlerDeadlineError());
  }

  /** Ends the run now with `err`: the signal aborts and `run` rejects with it. */
  abort(err: Error): void {
    if (this.#expired) return;
    clearTimeout(this.#timer);
    this.#expired = err;
    this.#controller?.abort(err);
    this.#fail?.(err);
  }

  /** Runs `fn`, failing with HandlerDeadlineError if the deadline passes first. */
  run<T>(fn: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (this.#expired) reject(this.#expired);
      else this.#fail = reject;
      fn().then(resolve, reject);
    });
  }

  dispose(): void {
    clearTimeout(this.#timer);
    this.#fail = undefined;
  }
}

/** The TaskContext of one run. */
export class RunContext implements TaskContext {
  #json?: { value: unknown };
  #payload?: Uint8Array;

  constructor(
    readonly task: Readonly<Task>,
    private readonly lease: Lease,
    private readonly extend: () => Promise<void>,
  ) {}

  get id(): string {
    return this.task.id;
  }

  get type(): string {
    return this.task.type;
  }

  get attempt(): number {
    return this.task.tries;
  }

  get payload(): Uint8Array {
    this.#payload ??= payloadBytes(this.task);
    return this.#payload;
  }

  get json(): unknown {
    // Parsed on first use: a handler that only wants bytes pays nothing.
    if (!this.#json) {
      let value: unknown;
      if (this.payload.length > 0) {
        try {
          value = JSON.parse(new TextDecoder().decode(this.payload));
        } catch {
          value = undefined;
        }
      }
      this.#json = { value };
    }
    return this.#json.value;
  }

  get deadline(): Date {
    return this.lease.deadline;
  }

  get signal(): AbortSignal {
    return this.lease.signal;
  }

  async extendLease(): Promise<void> {
    await this.extend();
    this.lease.rearm();
  }
}
