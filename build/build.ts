/**
 * Compiles `ajc` into one self-contained executable.
 *
 *   bun build/build.ts [TARGET] [--outfile PATH]
 *
 * TARGET is a Bun compile target (bun-linux-x64, bun-linux-x64-musl, bun-linux-arm64,
 * bun-darwin-x64, bun-darwin-arm64, bun-windows-x64); default the host. The version comes from
 * package.json and the git commit is stamped in when known.
 */
import { spawnSync } from "node:child_process";
import { statSync } from "node:fs";
import { join } from "node:path";

const root = join(import.meta.dir, "..");
const args = process.argv.slice(2);
const outIdx = args.indexOf("--outfile");
const outfile = outIdx >= 0 ? args[outIdx + 1] : undefined;
const target = args.find((a, i) => !a.startsWith("--") && (outIdx < 0 || i !== outIdx + 1));

function gitCommit(): string {
  if (process.env.AJC_COMMIT) return process.env.AJC_COMMIT;
  const r = spawnSync("git", ["rev-parse", "--short=12", "HEAD"], { cwd: root, encoding: "utf8" });
  return r.status === 0 ? r.stdout.trim() : "";
}

const suffix = target ? `-${target.replace(/^bun-/, "")}${target.includes("windows") ? ".exe" : ""}` : "";
const out = outfile ?? join(root, "build", `ajc${suffix}`);
const cmd = [
  "build",
  "--compile",
  "--minify-syntax",
  "--minify-whitespace",
  "--sourcemap=none",
  `--define=AJC_COMMIT=${JSON.stringify(gitCommit())}`,
  ...(target ? [`--target=${target}`] : []),
  join(root, "src", "main.ts"),
  "--outfile",
  out,
];
const r = spawnSync(process.execPath, cmd, { cwd: root, stdio: "inherit" });
if (r.status !== 0) process.exit(r.status ?? 1);
console.log(`built ${out} (${(statSync(out).size / 1024 / 1024).toFixed(1)} MiB)`);
