/**
 * Compiles `ajc` into one self-contained executable.
 *
 *   bun build/build.ts [TARGET] [--outfile PATH] [--embed-nats]
 *
 * TARGET is one of SUPPORTED_TARGETS (build/targets.ts); without it the host is the target and the
 * output is build/ajc, otherwise build/ajc-<os>-<arch>[.exe] unless --outfile says otherwise. The
 * version comes from package.json; the git commit (or AJC_COMMIT) is stamped in with --define.
 * Cross-targets make Bun download that platform's runtime once.
 *
 * A build for the host is compiled to bytecode (`--bytecode`, which needs `--format=esm` for our
 * top-level await): JavaScriptCore then skips parsing the bundle at every start, which took the
 * server's launch-to-ready time from ~280 to ~190 ms. A cross-target build is not: JSC bytecode made
 * on one platform is not promised to load on another (oven-sh/bun#18416, #24144), and the
 * release workflow cross-compiles; those binaries start as before.
 *
 * `--embed-nats` (or AJC_EMBED_NATS=1), as the release workflow builds, also compiles the pinned
 * nats-server for the target with Go (build/nats-server.ts) and embeds it for `ajc dev`; without it
 * the build needs no Go and stays as fast as before.
 */
import { spawnSync } from "node:child_process";
import { statSync } from "node:fs";
import { join, resolve } from "node:path";
import pkg from "../package.json" with { type: "json" };
import { buildEmbeddedNats } from "./nats-server.ts";
import { artifactName, isTarget, SUPPORTED_TARGETS, type Target } from "./targets.ts";

const USAGE = `usage: bun build/build.ts [TARGET] [--outfile PATH] [--embed-nats]\nTARGET: ${SUPPORTED_TARGETS.join(", ")} (default: the host)`;

/** What to build, from the command line. */
export interface BuildArgs {
  /** Undefined for the host. */
  target?: Target;
  /** Absolute path of the executable to write. */
  outfile: string;
  help: boolean;
  /** Set (true) when the pinned nats-server is to be built and embedded. */
  embedNats?: true;
}

/** A bad command line; the message says what is wrong. */
export class BuildUsageError extends Error {}

/**
 * Parses the build script's arguments. `root` is the repository root (the default output goes to
 * `<root>/build`); a relative `--outfile` is resolved against `cwd`.
 */
export function parseBuildArgs(argv: string[], root: string, cwd: string = process.cwd()): BuildArgs {
  let target: Target | undefined;
  let outfile: string | undefined;
  let help = false;
  let embedNats = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--help" || a === "-h") help = true;
    else if (a === "--embed-nats") embedNats = true;
    else if (a === "--outfile" || a.startsWith("--outfile=")) {
      const v = a === "--outfile" ? argv[++i] : a.slice("--outfile=".length);
      if (!v || v.startsWith("--")) throw new BuildUsageError("--outfile needs a path");
      outfile = v;
    } else if (a.startsWith("-")) throw new BuildUsageError(`unknown option ${a}`);
    else if (target !== undefined) throw new BuildUsageError(`only one target, got ${target} and ${a}`);
    else if (!isTarget(a)) {
      throw new BuildUsageError(`unknown target "${a}"; supported: ${SUPPORTED_TARGETS.join(", ")}`);
    } else target = a;
  }
  let out = outfile ? resolve(cwd, outfile) : join(root, "build", target ? artifactName(target) : "ajc");
  // Bun appends .exe to Windows executables itself; do the same so the size check finds the file.
  if (target?.includes("windows") && !out.endsWith(".exe")) out += ".exe";
  return { target, outfile: out, help, ...(embedNats ? { embedNats: true as const } : {}) };
}

/** The compile target of the machine running the build. */
export function hostTarget(): string {
  const os = process.platform === "win32" ? "windows" : process.platform;
  return `bun-${os}-${process.arch}`;
}

/** Whether a build for `target` (undefined: the host) gets bytecode. */
export function usesBytecode(target: Target | undefined): boolean {
  return target === undefined || target === hostTarget();
}

function gitCommit(root: string): string {
  if (process.env.AJC_COMMIT) return process.env.AJC_COMMIT;
  const r = spawnSync("git", ["rev-parse", "--short=12", "HEAD"], { cwd: root, encoding: "utf8" });
  return r.status === 0 ? r.stdout.trim() : "";
}

function main(): number {
  const root = join(import.meta.dir, "..");
  let args: BuildArgs;
  try {
    args = parseBuildArgs(process.argv.slice(2), root);
  } catch (err) {
    if (!(err instanceof BuildUsageError)) throw err;
    console.error(`build: ${err.message}\n${USAGE}`);
    return 2;
  }
  if (args.help) {
    console.log(USAGE);
    return 0;
  }
  const commit = gitCommit(root);
  const embed =
    args.embedNats || process.env.AJC_EMBED_NATS === "1"
      ? buildEmbeddedNats(args.target ?? hostTarget(), root)
      : undefined;
  const cmd = [
    "build",
    "--compile",
    "--minify-syntax",
    "--minify-whitespace",
    "--sourcemap=none",
    "--format=esm",
    ...(usesBytecode(args.target) ? ["--bytecode"] : []),
    `--define=AJC_COMMIT=${JSON.stringify(commit)}`,
    ...(embed ? [`--define=AJC_EMBEDDED_NATS=${JSON.stringify(embed.define)}`] : []),
    ...(args.target ? [`--target=${args.target}`] : []),
    join(root, "src", "main.ts"),
    ...(embed?.files ?? []),
    "--outfile",
    args.outfile,
  ];
  const r = spawnSync(process.execPath, cmd, { cwd: root, stdio: "inherit" });
  if (r.status !== 0) return r.status ?? 1;
  const size = (statSync(args.outfile).size / 1024 / 1024).toFixed(1);
  console.log(
    `built ${args.outfile} (${size} MiB) for ${args.target ?? "the host"}${usesBytecode(args.target) ? " as bytecode" : ""}: version ${pkg.version}, commit ${commit || "unknown"}${embed ? `, with nats-server ${embed.version}` : ""}`,
  );
  return 0;
}

if (import.meta.main) process.exit(main());
