/**
 * The compiled `ajc` executable for tests that treat it as users do. It is built once per test
 * run into a private temporary directory (set AJC_TEST_BINARY to test a prebuilt one instead).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

let built: string | undefined;
let builtDir: string | undefined;

/**
 * Removes the binary built for this run. `bun test` calls it after the last test file (see
 * test/preload.ts; it fires no "exit" event); scripts get it at exit.
 */
export function removeBuiltBinary(): void {
  if (builtDir) rmSync(builtDir, { recursive: true, force: true });
  builtDir = undefined;
  built = undefined;
}

/** Path of the compiled binary, building it on first use. */
export function ajcBinary(): string {
  if (process.env.AJC_TEST_BINARY) return process.env.AJC_TEST_BINARY;
  if (built) return built;
  builtDir = mkdtempSync(join(tmpdir(), "ajc-bin-"));
  process.once("exit", removeBuiltBinary);
  const out = join(builtDir, "ajc");
  const r = spawnSync(
    process.execPath,
    [join(import.meta.dir, "..", "..", "build", "build.ts"), "--outfile", out],
    {
      encoding: "utf8",
    },
  );
  if (r.status !== 0) throw new Error(`building ajc failed:\n${r.stdout}\n${r.stderr}`);
  built = out;
  return out;
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `ajc ARGS` to completion (no terminal: stdin is closed unless `input` is given). */
export function runAjc(
  args: string[],
  opts: { env?: Record<string, string>; input?: string; timeoutMs?: number } = {},
): Promise<RunResult> {
  return runProgram(ajcBinary(), args, opts);
}

/** Runs any executable as `runAjc` runs ajc (the interop tests run the Go tools with it). */
export async function runProgram(
  bin: string,
  args: string[],
  opts: { env?: Record<string, string>; input?: string; timeoutMs?: number } = {},
): Promise<RunResult> {
  const proc = Bun.spawn([bin, ...args], {
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", ...opts.env },
    stdin: opts.input === undefined ? "ignore" : new TextEncoder().encode(opts.input),
    stdout: "pipe",
    stderr: "pipe",
  });
  const timer = setTimeout(() => proc.kill("SIGKILL"), opts.timeoutMs ?? 30_000);
  const [stdout, stderr, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  clearTimeout(timer);
  return { code, stdout, stderr };
}

/** A long-running `ajc` process (server, worker, scheduler) with its output collected. */
/** The output of a process run with `--log-format json`, one parsed object per line. */
// biome-ignore lint/suspicious/noExplicitAny: tests read log fields freely
export function jsonLogLines(output: string): any[] {
  return output
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));
}

export interface AjcProcess {
  proc: ReturnType<typeof Bun.spawn>;
  /** Everything written to stdout and stderr so far. */
  output(): string;
  /** Resolves when `pattern` appears in the output (rejects after `timeoutMs`). */
  waitFor(pattern: RegExp | string, timeoutMs?: number): Promise<void>;
  /** Sends a signal and waits for the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number>;
}

export function spawnAjc(args: string[], opts: { env?: Record<string, string> } = {}): AjcProcess {
  return spawnProgram(ajcBinary(), args, opts);
}

/** Starts any executable as `spawnAjc` starts ajc. */
export function spawnProgram(
  bin: string,
  args: string[],
  opts: { env?: Record<string, string> } = {},
): AjcProcess {
  const proc = Bun.spawn([bin, ...args], {
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", ...opts.env },
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  let out = "";
  const pump = async (s: ReadableStream<Uint8Array>) => {
    const dec = new TextDecoder();
    for await (const chunk of s) out += dec.decode(chunk, { stream: true });
  };
  void pump(proc.stdout as ReadableStream<Uint8Array>);
  void pump(proc.stderr as ReadableStream<Uint8Array>);
  return {
    proc,
    output: () => out,
    async waitFor(pattern, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      const hit = () => (typeof pattern === "string" ? out.includes(pattern) : pattern.test(out));
      while (!hit()) {
        if (Date.now() > deadline)
          throw new Error(`timed out waiting for ${pattern}; output so far:\n${out}`);
        if (proc.exitCode !== null)
          throw new Error(`${bin} exited (${proc.exitCode}) before ${pattern}:\n${out}`);
        await Bun.sleep(20);
      }
    },
    async stop(signal = "SIGTERM") {
      if (proc.exitCode === null) proc.kill(signal);
      return proc.exited;
    },
  };
}
