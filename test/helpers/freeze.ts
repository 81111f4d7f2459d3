/**
 * Freezes a test's nats-server (SIGSTOP) so requests to it hang rather than fail: how a stuck or
 * partitioned server looks to a client. Linux only (reads /proc).
 */
import { readdirSync, readFileSync } from "node:fs";

function natsPid(port: number): number {
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    let cmd: string[];
    try {
      cmd = readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0");
    } catch {
      continue;
    }
    const p = cmd.indexOf("-p");
    if (cmd[0]?.endsWith("nats-server") && p > 0 && cmd[p + 1] === String(port)) return Number(entry);
  }
  throw new Error(`no nats-server on port ${port}`);
}

/** Stops the nats-server on `port` in its tracks; call the result to let it run again. */
export function freezeNats(port: number): () => void {
  const pid = natsPid(port);
  process.kill(pid, "SIGSTOP");
  let thawed = false;
  return () => {
    if (thawed) return;
    thawed = true;
    process.kill(pid, "SIGCONT");
  };
}
