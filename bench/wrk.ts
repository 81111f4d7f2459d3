/** Runs Debian's `wrk` with one of bench/wrk/*.lua and reads the line its done() hook prints. */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { track } from "./procs.ts";

export interface WrkResult {
  requests: number;
  duration_us: number;
  bytes: number;
  status_errors: number;
  connect_errors: number;
  read_errors: number;
  write_errors: number;
  timeouts: number;
  p50_us: number;
  p90_us: number;
  p99_us: number;
  max_us: number;
  mean_us: number;
}

/** `wrk`'s path and version line, or undefined when it is not installed. */
export function findWrk(): { path: string; version: string } | undefined {
  const path = spawnSync("sh", ["-c", "command -v wrk"], { encoding: "utf8" }).stdout.trim();
  if (!path) return undefined;
  const v = spawnSync(path, ["--version"], { encoding: "utf8" });
  return { path, version: `${v.stdout}${v.stderr}`.split("\n")[0]!.trim() };
}

/** One wrk run of `seconds` with `connections` keep-alive connections on one thread. */
export async function runWrk(
  wrkPath: string,
  script: "post" | "get",
  url: string,
  connections: number,
  seconds: number,
  scriptArgs: string[] = [],
): Promise<WrkResult> {
  const args = [
    wrkPath,
    "-t1",
    `-c${connections}`,
    `-d${seconds}s`,
    "--timeout",
    "10s",
    "--latency",
    "-s",
    join(import.meta.dir, "wrk", `${script}.lua`),
    url,
  ];
  if (scriptArgs.length > 0) args.push("--", ...scriptArgs);
  const p = track(Bun.spawn(args, { stdout: "pipe", stderr: "pipe" }));
  const [out, err, code] = await Promise.all([
    new Response(p.stdout).text(),
    new Response(p.stderr).text(),
    p.exited,
  ]);
  const line = out.split("\n").find((l) => l.startsWith("WRKJSON "));
  if (code !== 0 || !line) throw new Error(`wrk failed (exit ${code}):\n${out}\n${err}`);
  return JSON.parse(line.slice("WRKJSON ".length)) as WrkResult;
}
