/**
 * The HTTP load generator: Debian's `wrk` with one of bench/wrk/*.lua, whose done() hook prints one
 * machine-readable line. When wrk is missing the benchmark tries `apt-get install -y wrk` (as
 * root), and otherwise falls back to an `autocannon` already on the PATH (GET then repeats one id).
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { basename, join } from "node:path";
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
  p999_us: number;
  max_us: number;
  mean_us: number;
}

export interface LoadGenerator {
  kind: "wrk" | "autocannon";
  path: string;
  /** Name and version, e.g. `wrk 4.1.0-3+b2`. */
  version: string;
}

function which(name: string): string {
  return spawnSync("sh", ["-c", `command -v ${name}`], { encoding: "utf8" }).stdout.trim();
}

/** wrk (installing it with apt-get when possible), else autocannon; undefined when neither. */
export function findWrk(): LoadGenerator | undefined {
  let path = which("wrk");
  if (!path && which("apt-get") && process.getuid?.() === 0) {
    console.error("wrk is not installed: trying apt-get install -y wrk");
    spawnSync("apt-get", ["install", "-y", "wrk"], {
      stdio: ["ignore", "inherit", "inherit"],
      env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
    });
    path = which("wrk");
  }
  if (path) {
    const v = spawnSync(path, ["--version"], { encoding: "utf8" });
    const line = `${v.stdout}${v.stderr}`.split("\n")[0]!.trim();
    return { kind: "wrk", path, version: `wrk ${line.replace(/^wrk /, "").split(" ")[0]}` };
  }
  const ac = which("autocannon");
  if (!ac) return undefined;
  const v = spawnSync(ac, ["--version"], { encoding: "utf8" });
  return {
    kind: "autocannon",
    path: ac,
    version: `autocannon ${`${v.stdout}${v.stderr}`.trim().split(/\s+/).at(-1)}`,
  };
}

/** One autocannon run, its JSON summary turned into wrk's numbers. */
async function runAutocannon(
  path: string,
  script: "post" | "get",
  url: string,
  connections: number,
  seconds: number,
  scriptArgs: string[],
): Promise<WrkResult> {
  const args = [path, "-j", "-c", String(connections), "-d", String(seconds), "-t", "10"];
  if (script === "post") {
    args.push(
      "-m",
      "POST",
      "-H",
      "Content-Type=application/json",
      "-b",
      '{"type":"bench","payload":{"n":1}}',
      url,
    );
  } else {
    const id = readFileSync(scriptArgs[0]!, "utf8").split("\n")[0]!;
    args.push(`${url}/v1/tasks/${id}`);
  }
  const p = track(Bun.spawn(args, { stdout: "pipe", stderr: "pipe" }));
  const [out, err, code] = await Promise.all([
    new Response(p.stdout).text(),
    new Response(p.stderr).text(),
    p.exited,
  ]);
  if (code !== 0) throw new Error(`autocannon failed (exit ${code}):\n${out}\n${err}`);
  const r = JSON.parse(out) as {
    duration: number;
    requests: { total: number };
    throughput: { total: number };
    latency: { p50: number; p90: number; p99: number; p99_9: number; max: number; mean: number };
    errors: number;
    timeouts: number;
    non2xx: number;
  };
  const us = (ms: number) => Math.round(ms * 1000);
  return {
    requests: r.requests.total,
    duration_us: Math.round(r.duration * 1e6),
    bytes: r.throughput.total,
    status_errors: r.non2xx,
    connect_errors: 0,
    read_errors: r.errors - r.timeouts,
    write_errors: 0,
    timeouts: r.timeouts,
    p50_us: us(r.latency.p50),
    p90_us: us(r.latency.p90),
    p99_us: us(r.latency.p99),
    p999_us: us(r.latency.p99_9),
    max_us: us(r.latency.max),
    mean_us: r.latency.mean * 1000,
  };
}

/**
 * One run of `seconds` with `connections` keep-alive connections (wrk: on one thread). `script`
 * `get` takes the ids file as its argument.
 */
export async function runWrk(
  wrkPath: string,
  script: "post" | "get",
  url: string,
  connections: number,
  seconds: number,
  scriptArgs: string[] = [],
): Promise<WrkResult> {
  if (basename(wrkPath) === "autocannon") {
    return runAutocannon(wrkPath, script, url, connections, seconds, scriptArgs);
  }
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
