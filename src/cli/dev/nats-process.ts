/**
 * Runs `ajc dev`'s private nats-server so that it never outlives ajc, even when ajc is killed.
 *
 * nats-server cannot watch its parent, and Bun offers no `prctl(PR_SET_PDEATHSIG)`, so a tiny
 * POSIX-shell supervisor sits in between: ajc holds the write end of the supervisor's stdin; when
 * that pipe reaches end-of-file (ajc closed it to stop, or ajc died and the kernel closed it), the
 * supervisor sends nats-server SIGTERM, waits for it, removes an ephemeral data directory if it was
 * given one, and exits. The supervisor runs in its own session, so a Ctrl-C in the terminal reaches
 * only ajc, which stops its worker while NATS is still up and only then stops NATS.
 *
 * nats-server writes its ports to a file in the data directory once it listens: that is both the
 * readiness signal and, with `--nats-port 0`, where the chosen port is read from.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { AjcError } from "../../core/errors.ts";

/**
 * $1: a directory to remove once nats-server has exited ("" for none); the rest: the command. The
 * directory goes only when the pipe closed (ajc stopping or gone): when nats-server failed by
 * itself, ajc still reads its log from there, then removes it.
 */
const SUPERVISOR = `
PATH="$PATH:/usr/bin:/bin"
remove=$1; shift
exec 3<&0 </dev/null
"$@" 3<&- &
child=$!
closed=
trap 'closed=1' USR1
trap 'kill -TERM "$child" 2>/dev/null' TERM INT HUP
( while read -r _ <&3; do :; done; kill -USR1 $$; kill -TERM "$child" 2>/dev/null ) &
watcher=$!
exec 3<&-
while :; do
  wait "$child"; status=$?
  kill -0 "$child" 2>/dev/null || break
done
kill "$watcher" 2>/dev/null
if [ -n "$remove" ] && [ -n "$closed" ]; then rm -rf -- "$remove"; fi
exit "$status"
`;

/** How to start nats-server. */
export interface NatsProcessOptions {
  /** The nats-server executable. */
  executable: string;
  /** JetStream store, ports file and log go here. */
  dataDir: string;
  /** Client port on 127.0.0.1; 0 lets nats-server choose. */
  port: number;
  /** Removed by the supervisor once nats-server has exited (the `--ephemeral` directory). */
  removeWhenDone?: string;
  /** Time to wait for nats-server to listen. Default 20s. */
  readyTimeoutMs?: number;
}

/** A running nats-server. */
export interface NatsProcess {
  /** `nats://127.0.0.1:PORT`. */
  readonly url: string;
  /** The supervisor's pid (it is what the data directory's lock records). */
  readonly supervisorPid: number;
  /** Resolves with the supervisor's exit code when nats-server has gone. */
  readonly exited: Promise<number | null>;
  /** Stops nats-server (SIGTERM through the supervisor) and waits for it to exit. */
  stop(): Promise<void>;
}

/** The log nats-server writes in its data directory. */
export const NATS_LOG = "nats-server.log";

function portsFileUrl(dir: string): string | undefined {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith(".ports"));
  } catch {
    return undefined;
  }
  for (const n of names) {
    try {
      const ports = JSON.parse(readFileSync(join(dir, n), "utf8")) as { nats?: string[] };
      const url = ports.nats?.[0];
      if (url) return url.replace("0.0.0.0", "127.0.0.1");
    } catch {}
  }
  return undefined;
}

/** What went wrong, from nats-server's log: its error lines, else its last lines. */
function logTail(dir: string, lines = 10): string {
  let log: string[];
  try {
    log = readFileSync(join(dir, NATS_LOG), "utf8").trimEnd().split("\n");
  } catch {
    return "(no log)";
  }
  const errors = log.filter((l) => /\[(FTL|ERR)\]/.test(l));
  return (errors.length > 0 ? errors : log).slice(-lines).join("\n");
}

/** The failure message, with a hint for the usual cause (the port is taken). */
function startFailure(what: string, dir: string, port: number): string {
  const log = logTail(dir);
  const hint = /address already in use/.test(log)
    ? `\nport ${port} is in use (another nats-server?): pick another with --nats-port, or 0 for any free one`
    : "";
  return `${what}; from its log (${join(dir, NATS_LOG)}):\n${log}${hint}`;
}

function supervise(args: string[], removeWhenDone: string | undefined): ChildProcess {
  if (process.platform === "win32") {
    // No POSIX shell: nats-server runs directly and is stopped on a clean exit only.
    return spawn(args[0]!, args.slice(1), { stdio: ["pipe", "ignore", "ignore"] });
  }
  return spawn("/bin/sh", ["-c", SUPERVISOR, "ajc-dev-nats", removeWhenDone ?? "", ...args], {
    stdio: ["pipe", "ignore", "ignore"],
    detached: true,
  });
}

/** Starts nats-server with JetStream on loopback and waits until it listens. */
export async function startNatsProcess(o: NatsProcessOptions): Promise<NatsProcess> {
  // A ports file left by a killed run would be read as this run's.
  for (const n of readdirSync(o.dataDir))
    if (n.endsWith(".ports")) rmSync(join(o.dataDir, n), { force: true });
  const args = [
    o.executable,
    "--jetstream",
    "--store_dir",
    o.dataDir,
    "--addr",
    "127.0.0.1",
    "--port",
    o.port === 0 ? "-1" : String(o.port),
    "--server_name",
    "ajc-dev",
    "--ports_file_dir",
    o.dataDir,
    "--log",
    join(o.dataDir, NATS_LOG),
  ];
  const child = supervise(args, o.removeWhenDone);
  let exitCode: number | null | undefined;
  const exited = new Promise<number | null>((resolve) => {
    child.once("exit", (code) => {
      exitCode = code;
      resolve(code);
    });
    child.once("error", () => {
      exitCode = -1;
      resolve(-1);
    });
  });
  // The pipe end stays open for as long as ajc runs; its closing is the stop signal.
  child.stdin?.on("error", () => {});
  const stop = async () => {
    child.stdin?.end();
    await exited;
  };
  const deadline = Date.now() + (o.readyTimeoutMs ?? 20_000);
  for (;;) {
    const url = portsFileUrl(o.dataDir);
    if (url) return { url, supervisorPid: child.pid ?? -1, exited, stop };
    if (exitCode !== undefined) {
      throw new AjcError(
        "invalid_argument",
        startFailure(`nats-server exited before it was ready (status ${exitCode})`, o.dataDir, o.port),
      );
    }
    if (Date.now() > deadline) {
      await stop();
      throw new AjcError(
        "invalid_argument",
        startFailure(
          `nats-server did not start listening within ${(o.readyTimeoutMs ?? 20_000) / 1000}s`,
          o.dataDir,
          o.port,
        ),
      );
    }
    await Bun.sleep(25);
  }
}
