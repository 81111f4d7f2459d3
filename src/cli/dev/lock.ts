/**
 * One `ajc dev` per data directory. Two nats-servers on one JetStream store would corrupt it, and
 * the second would fail later with a less helpful error, so the first takes `ajc-dev.lock` (its
 * pid, and its nats-server supervisor's once started) and a second refuses at once. A lock whose
 * ajc is gone (it was killed) is taken over, after its nats-server has finished stopping.
 */
import { closeSync, openSync, readFileSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { AjcError } from "../../core/errors.ts";

/** The lock file's name inside the data directory. */
export const LOCK_FILE = "ajc-dev.lock";

interface LockContent {
  pid: number;
  supervisor?: number;
}

/** A held lock. */
export interface DataDirLock {
  readonly path: string;
  /** Records the nats-server supervisor's pid, so a successor waits for it after a crash. */
  setSupervisor(pid: number): void;
  /** Removes the lock file (only if it is still ours). */
  release(): void;
}

/** True when a process with this pid exists (one of another user counts). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

function readLock(path: string): LockContent | undefined {
  try {
    const c = JSON.parse(readFileSync(path, "utf8")) as LockContent;
    return Number.isSafeInteger(c.pid) ? c : undefined;
  } catch {
    return undefined;
  }
}

function tryCreate(path: string, content: LockContent): boolean {
  try {
    const fd = openSync(path, "wx", 0o644);
    try {
      writeFileSync(fd, JSON.stringify(content));
    } finally {
      closeSync(fd);
    }
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw new AjcError("invalid_argument", `cannot create ${path}: ${(err as Error).message}`, {
      cause: err,
    });
  }
}

/**
 * Takes the data directory's lock, or throws `invalid_argument` naming the `ajc dev` that holds it. A stale
 * lock's supervisor gets up to `staleWaitMs` to stop its nats-server before the lock is taken.
 */
export async function lockDataDir(dir: string, staleWaitMs = 10_000): Promise<DataDirLock> {
  const path = join(dir, LOCK_FILE);
  const mine: LockContent = { pid: process.pid };
  for (let attempt = 0; !tryCreate(path, mine); attempt++) {
    const held = readLock(path);
    if (held && held.pid !== process.pid && processAlive(held.pid)) {
      throw new AjcError(
        "invalid_argument",
        `another ajc dev (pid ${held.pid}) is using the data directory ${dir}: stop it first, or give this one another --data or --ephemeral`,
      );
    }
    if (attempt > 0) {
      throw new AjcError(
        "invalid_argument",
        `cannot take the lock ${path}: another ajc dev is starting on ${dir}`,
      );
    }
    // The holder is gone (killed): its supervisor is stopping nats-server; let it finish.
    const deadline = Date.now() + staleWaitMs;
    while (held?.supervisor && processAlive(held.supervisor) && Date.now() < deadline) await Bun.sleep(50);
    try {
      unlinkSync(path);
    } catch {}
  }
  return {
    path,
    setSupervisor(pid) {
      writeFileSync(path, JSON.stringify({ ...mine, supervisor: pid }));
    },
    release() {
      if (readLock(path)?.pid === process.pid) {
        try {
          unlinkSync(path);
        } catch {}
      }
    },
  };
}
