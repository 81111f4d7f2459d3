/** The machine and software the run measured, and the compiled binary (rebuilt when stale). */
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { cpus, release, totalmem } from "node:os";
import { join } from "node:path";

export interface Machine {
  cpu: string;
  cores: number;
  memoryGB: number;
  os: string;
  kernel: string;
  bun: string;
  natsServer: string;
  loadGenerator: string;
  loadAverageAtStart: string;
  gitCommit: string;
  gitDirty: boolean;
}

function sh(cmd: string, args: string[], cwd?: string): string {
  const r = spawnSync(cmd, args, { encoding: "utf8", cwd });
  return r.status === 0 ? r.stdout.trim() : "";
}

export function machine(root: string, natsServer: string, loadGenerator: string): Machine {
  let os = "unknown";
  try {
    os = /^PRETTY_NAME="?([^"\n]*)"?/m.exec(readFileSync("/etc/os-release", "utf8"))?.[1] ?? os;
  } catch {
    // not Linux-like
  }
  let load = "";
  try {
    load = readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
  } catch {
    // no /proc
  }
  return {
    cpu: cpus()[0]?.model.trim() ?? "unknown",
    cores: cpus().length,
    memoryGB: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    os,
    kernel: release(),
    bun: Bun.version,
    natsServer,
    loadGenerator,
    loadAverageAtStart: load,
    gitCommit: sh("git", ["rev-parse", "--short=12", "HEAD"], root),
    gitDirty: sh("git", ["status", "--porcelain", "--", "src", "package.json", "bun.lock"], root) !== "",
  };
}

function newestMtime(path: string): number {
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const n of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, n)));
  return newest;
}

/**
 * `build/ajc`, rebuilt with `npm run build` when missing or older than any source it is built
 * from (src/, package.json, bun.lock, build/build.ts).
 */
export function ensureBinary(root: string): { path: string; rebuilt: boolean; buildSeconds?: number } {
  const path = join(root, "build", "ajc");
  let built = 0;
  try {
    built = statSync(path).mtimeMs;
  } catch {
    // missing
  }
  const sources = ["src", "package.json", "bun.lock", join("build", "build.ts")].map((p) => join(root, p));
  const newest = Math.max(...sources.map(newestMtime));
  if (built > newest) return { path, rebuilt: false };
  const t0 = performance.now();
  const r = spawnSync("npm", ["run", "build"], { cwd: root, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`npm run build failed:\n${r.stdout}\n${r.stderr}`);
  return { path, rebuilt: true, buildSeconds: Math.round(performance.now() - t0) / 1000 };
}
