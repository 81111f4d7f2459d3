/**
 * The external-command handler of `ajc task process`: the task JSON goes to a temporary file, the
 * command runs with no arguments and `CHORIA_AJ_TASK=<that file>`, is killed at the deadline, and
 * its combined stdout and stderr become the result (a string, cut at `maxOutputBytes` with a note
 * saying so, so the result always fits in a stored task). A non-zero exit is a failure.
 */
import { spawn } from "node:child_process";
import { accessSync, closeSync, constants, openSync, statSync } from "node:fs";
import { mkdtemp, open, rm, writeFile } from "node:fs/promises";
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

/**
 * The most output kept as a command's result by default. A stored task must fit in one NATS
 * message (`max_payload`, 1 MiB by default) together with its payload, so the result keeps well
 * below that.
 */
export const DEFAULT_MAX_OUTPUT_BYTES = 256 * 1024;

/**
 * The command's output as its result: the whole file, or its first `max` bytes and a note of how
 * much was left out.
 */
async function readOutput(outputFile: string, max: number): Promise<string> {
  const fh = await open(outputFile, "r");
  try {
    const { size } = await fh.stat();
    const keep = Math.min(size, max);
    const buf = Buffer.alloc(keep);
    let got = 0;
    while (got < keep) {
      const { bytesRead } = await fh.read(buf, got, keep - got, got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    const text = buf.subarray(0, got).toString("utf8");
    if (size <= max) return text;
    return `${text}\n[ajc: output truncated: ${size} bytes written, the first ${max} kept (--max-output)]\n`;
  } finally {
    await fh.close();
  }
}

/** Options of the external-command handler. */
export interface CommandHandlerOptions {
  /** Output kept as the result, in bytes; the rest is cut with a note. Default DEFAULT_MAX_OUTPUT_BYTES. */
  maxOutputBytes?: number;
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
      return await readOutput(outputFile, opts.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  };
}
