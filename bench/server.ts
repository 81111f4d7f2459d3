/**
 * The product under test: the compiled `ajc server run`, started against the benchmark's NATS on a
 * free loopback port, its request log going to a file the benchmark reads back.
 */
import { closeSync, openSync, readSync, statSync } from "node:fs";
import { join } from "node:path";
import { freePort } from "./nats.ts";
import { stop, tempDir, track } from "./procs.ts";

export interface AjcServer {
  pid: number;
  port: number;
  base: string;
  /** The request log's size now: pass it to `statuses` to count what was logged after. */
  logOffset(): number;
  /** HTTP statuses logged since `offset`, counted by status. */
  statuses(offset: number): Record<string, number>;
  close(): Promise<number>;
}

/** Polls `/readyz` until it answers 200; resolves with the time it took from `since`. */
export async function waitReady(base: string, since: number, timeoutMs = 15_000): Promise<number> {
  const deadline = since + timeoutMs;
  while (performance.now() < deadline) {
    try {
      const res = await fetch(`${base}/readyz`);
      await res.arrayBuffer();
      if (res.status === 200) return performance.now() - since;
    } catch {
      // not listening yet
    }
    await Bun.sleep(2);
  }
  throw new Error(`${base}/readyz did not answer 200 within ${timeoutMs}ms`);
}

/**
 * Starts `cmd` (the ajc executable and any runtime flags before `server run`, `flags` after it) and waits for
 * readiness. `startedAt` and `readyMs` tell how long that took.
 */
export async function startServer(
  cmd: string[],
  natsUrl: string,
  queue: string,
  flags: string[] = [],
): Promise<AjcServer & { readyMs: number }> {
  const port = await freePort();
  const dir = tempDir("server");
  const logPath = join(dir, "server.log");
  const log = Bun.file(logPath);
  const started = performance.now();
  const proc = track(
    Bun.spawn([...cmd, "server", "run", "--queue", queue, "--bind", `127.0.0.1:${port}`, ...flags], {
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: dir, NATS_URL: natsUrl },
      stdin: "ignore",
      stdout: "ignore",
      stderr: log,
    }),
  );
  const base = `http://127.0.0.1:${port}`;
  let readyMs: number;
  try {
    readyMs = await Promise.race([
      waitReady(base, started),
      proc.exited.then((code) => {
        throw new Error(`ajc server run exited with ${code} before it was ready; log: ${logPath}`);
      }),
    ]);
  } catch (err) {
    await stop(proc);
    throw err;
  }
  const size = () => {
    try {
      return statSync(logPath).size;
    } catch {
      return 0;
    }
  };
  return {
    pid: proc.pid,
    port,
    base,
    readyMs,
    logOffset: size,
    statuses(offset) {
      const end = size();
      const counts: Record<string, number> = {};
      if (end <= offset) return counts;
      const buf = Buffer.alloc(end - offset);
      const fd = openSync(logPath, "r");
      try {
        readSync(fd, buf, 0, buf.length, offset);
      } finally {
        closeSync(fd);
      }
      for (const m of buf.toString("utf8").matchAll(/ request method=\S+ path=\S+ status=(\d+)/g)) {
        counts[m[1]!] = (counts[m[1]!] ?? 0) + 1;
      }
      return counts;
    },
    close: () => stop(proc),
  };
}
