/**
 * The external-command handler of `ajc task process`: the task JSON goes to a temporary file, the
 * command runs with no arguments and `CHORIA_AJ_TASK=<that file>`, is killed at the deadline, and
 * its combined stdout and stderr become the result (a string). A non-zero exit is a failure.
 */
import { spawn } from "node:child_process";
import { accessSync, closeSync, constants, openSync, statSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AjcError } from "../../core/errors.ts";
import { encodeTask } from "../../core/task.ts";
import type { Handler, TaskContext } from "../context.ts";

/** Checks that `command` is an executable file (`invalid_argument` otherwise). */
export function assertCommand(command: string): void {
  let isFile = false;
  try {
    isFile = statSync(command).isFile();
    accessSync(command, constants.X_OK);
  } catch (err) {
    throw new AjcError("invalid_argument", `command ${command} is not an executable file`, {
      field: "command",
      cause: err,
    });
  }
  if (!isFile)
    throw new AjcError("invalid_argument", `command ${command} is not a file`, { field: "command" });
}

/** Runs the command with stdout and stderr on `outputFile`; rejects on a non-zero exit or a kill. */
function runCommand(
  command: string,
  env: Record<string, string>,
  outputFile: string,
  signal: AbortSignal,
): Promise<void> {
  return new Promise((resolve, reject) => {
    // One open file for both streams keeps their interleaving, as Go's CombinedOutput does (two
    // pipes would not), and a grandchild that keeps it open cannot hold the task past its exit.
    const out = openSync(outputFile, "w", 0o600);
    let child: ReturnType<typeof spawn>;
    try {
      // Its own process group, so the deadline kills what it started too, and a Ctrl-C aimed at
      // the worker does not interrupt running tasks (a graceful stop lets them finish).
      child = spawn(command, [], { env, stdio: ["ignore", out, out], detached: true });
    } finally {
      closeSync(out);
    }
    const kill = () => {
      try {
        if (child.pid) process.kill(-child.pid, "SIGKILL");
      } catch {
        child.kill("SIGKILL");
      }
    };
    signal.addEventListener("abort", kill, { once: true });
    child.once("error", (err) => {
      signal.removeEventListener("abort", kill);
      reject(new Error(`external command ${command} failed: ${err.message}`));
    });
    child.once("exit", (code, sig) => {
      signal.removeEventListener("abort", kill);
      if (code === 0) resolve();
      // "execution failed: ..." as the Go library words it, so last_err reads the same whichever
      // processor ran the command.
      else if (sig) reject(new Error(`execution failed: killed by ${sig}`));
      else reject(new Error(`execution failed: exit status ${code}`));
    });
  });
}

/** Options of the external-command handler. */
export interface CommandHandlerOptions {
  /**
   * Extra environment variables for the command. By default it gets only `CHORIA_AJ_TASK`, as with
   * the Go library: the worker's own environment (NATS credentials...) stays private.
   */
  env?: Record<string, string>;
}

/** A handler that runs `command` for each task, as the Go library's `ExternalProcess`. */
export function commandHandler(command: string, opts: CommandHandlerOptions = {}): Handler {
  return async (ctx: TaskContext) => {
    // A private directory (mode 0700) for the task file and the output.
    const dir = await mkdtemp(join(tmpdir(), `asyncjobs-task-${ctx.id}-`));
    try {
      const taskFile = join(dir, "task.json");
      const outputFile = join(dir, "output");
      await writeFile(taskFile, encodeTask(ctx.task), { mode: 0o600 });
      if (ctx.signal.aborted) throw ctx.signal.reason;
      await runCommand(command, { ...opts.env, CHORIA_AJ_TASK: taskFile }, outputFile, ctx.signal);
      return await readFile(outputFile, "utf8");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  };
}
