/**
 * Everything the benchmark starts is registered here and stopped at the end, on error, and on
 * SIGINT/SIGTERM: child processes (SIGTERM, then SIGKILL) and temporary directories (removed).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

type Child = Bun.Subprocess<
  "ignore" | "pipe" | "inherit",
  "ignore" | "pipe" | "inherit" | Bun.BunFile,
  "ignore" | "pipe" | "inherit" | Bun.BunFile
>;

const children = new Set<Child>();
const dirs = new Set<string>();

/** A temporary directory removed at cleanup. */
export function tempDir(prefix: string): string {
  const d = mkdtempSync(join(tmpdir(), `ajc-bench-${prefix}-`));
  dirs.add(d);
  return d;
}

/** Registers a process (from Bun.spawn) that cleanup will stop if it is still running. */
export function track<T extends Bun.Subprocess>(p: T): T {
  children.add(p as unknown as Child);
  void p.exited.then(() => children.delete(p as unknown as Child));
  return p;
}

/** Stops one process: `signal`, then SIGKILL after `graceMs`. Resolves with its exit code. */
export async function stop(
  p: Bun.Subprocess,
  signal: NodeJS.Signals = "SIGTERM",
  graceMs = 5_000,
): Promise<number> {
  if (p.exitCode === null && p.signalCode === null) p.kill(signal);
  const timer = setTimeout(() => p.kill("SIGKILL"), graceMs);
  try {
    return await p.exited;
  } finally {
    clearTimeout(timer);
  }
}

/** Stops every process still running and removes every temporary directory. */
export async function cleanup(): Promise<void> {
  await Promise.all([...children].map((p) => stop(p, "SIGTERM", 3_000).catch(() => {})));
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs.clear();
}

/** Last resort when the process exits without awaiting cleanup(): kill and remove synchronously. */
function cleanupSync(): void {
  for (const p of children) {
    try {
      p.kill("SIGKILL");
    } catch {
      // already gone
    }
  }
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
}

/** Installs the signal and exit handlers. */
export function installCleanupHandlers(): void {
  process.on("exit", cleanupSync);
  for (const sig of ["SIGINT", "SIGTERM"] as const) {
    process.once(sig, () => {
      console.error(`\n${sig}: stopping everything the benchmark started`);
      void cleanup().finally(() => process.exit(130));
    });
  }
}
