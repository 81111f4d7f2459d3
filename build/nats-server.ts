/**
 * Builds the nats-server a release build of `ajc` carries (`bun build/build.ts --embed-nats`).
 *
 * The version is pinned in build/nats-server/go.mod, and go.sum holds the hash of every module in
 * it, so the Go toolchain refuses anything else from the module proxy. It is compiled with
 * GOOS/GOARCH for the Bun target, statically (CGO off: the same binary runs on glibc and musl),
 * gzipped, and written with a license notice (nats-server's, its modules', Go's) under
 * .tmp/nats-server/<target>/. This needs Go; a plain `npm run build` does not call it.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";

/** The Go module that holds the pin. */
const MODULE_DIR = join(import.meta.dir, "nats-server");
const NATS_MODULE = "github.com/nats-io/nats-server/v2";

/** GOOS/GOARCH for each Bun target's platform. */
export function goPlatform(bunTarget: string): { goos: string; goarch: string } {
  const m = /^bun-(linux|darwin|windows)-(x64|arm64)(-musl)?$/.exec(bunTarget);
  if (!m) throw new Error(`no Go platform for ${bunTarget}`);
  return { goos: m[1]!, goarch: m[2] === "x64" ? "amd64" : "arm64" };
}

/** What the build defines as `AJC_EMBEDDED_NATS` and the files it embeds. */
export interface EmbeddedNatsBuild {
  /** JSON for `--define=AJC_EMBEDDED_NATS=…` (read by src/cli/dev/embedded-nats.ts). */
  define: string;
  /** Absolute paths to pass to `bun build --compile` as extra entry points. */
  files: string[];
  version: string;
  /** Bytes of the uncompressed nats-server. */
  size: number;
}

function go(args: string[], env: Record<string, string>): string {
  const r = spawnSync("go", args, {
    cwd: MODULE_DIR,
    encoding: "utf8",
    env: { ...process.env, ...env, GOFLAGS: "-mod=readonly", GOTOOLCHAIN: "local" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  if (r.error) throw new Error(`embedding nats-server needs Go on PATH: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`go ${args.join(" ")} failed (status ${r.status})`);
  return r.stdout;
}

/** License files at the root of a module. */
function licenseFiles(dir: string): string[] {
  try {
    return readdirSync(dir)
      .filter((n) => /^(LICEN[CS]E|NOTICE|COPYING|PATENTS)(\.(md|txt))?$/i.test(n))
      .map((n) => join(dir, n));
  } catch {
    return [];
  }
}

/** nats-server's license, then each module's it is built from, then Go's (its runtime is in it). */
function notice(version: string, env: Record<string, string>): string {
  const modules = new Map<string, string>();
  const deps = go(
    ["list", "-deps", "-f", "{{with .Module}}{{.Path}}@{{.Version}} {{.Dir}}{{end}}", NATS_MODULE],
    env,
  );
  for (const line of deps.split("\n")) {
    const [mod, dir] = line.trim().split(" ");
    if (mod && dir) modules.set(mod, dir);
  }
  const goroot = go(["env", "GOROOT"], {}).trim();
  const goVersion = go(["env", "GOVERSION"], {}).trim();
  const parts = [
    `This ajc carries nats-server ${version} (${NATS_MODULE}), built with ${goVersion} from these modules;`,
    "their license notices follow.",
    "",
  ];
  const add = (title: string, files: string[]) => {
    for (const f of files)
      parts.push(`==== ${title}: ${f.split("/").pop()}`, readFileSync(f, "utf8").trimEnd(), "");
  };
  const sorted = [...modules.entries()].sort(([a], [b]) =>
    a.startsWith(NATS_MODULE) ? -1 : b.startsWith(NATS_MODULE) ? 1 : a.localeCompare(b),
  );
  for (const [mod, dir] of sorted) add(mod, licenseFiles(dir));
  add(`Go ${goVersion} (standard library and runtime)`, licenseFiles(goroot));
  return `${parts.join("\n")}\n`;
}

/** Compiles nats-server for `bunTarget` and prepares what the ajc build embeds. */
export function buildEmbeddedNats(bunTarget: string, root: string): EmbeddedNatsBuild {
  const { goos, goarch } = goPlatform(bunTarget);
  const env = { GOOS: goos, GOARCH: goarch, CGO_ENABLED: "0" };
  const version = go(["list", "-m", "-f", "{{.Version}}", NATS_MODULE], env).trim();
  const out = join(root, ".tmp", "nats-server", bunTarget);
  mkdirSync(out, { recursive: true });
  const exe = join(out, goos === "windows" ? "nats-server.exe" : "nats-server");
  go(["build", "-trimpath", "-ldflags=-s -w", "-o", exe, NATS_MODULE], env);
  if (!existsSync(exe)) throw new Error(`go build wrote no ${exe}`);
  const binary = readFileSync(exe);
  const sha256 = new Bun.CryptoHasher("sha256").update(binary).digest("hex");
  // The names are what the runtime looks for in Bun.embeddedFiles (Bun adds a hash before the dot).
  const gz = join(out, "nats-server.gz");
  writeFileSync(gz, gzipSync(binary, { level: 9 }));
  const noticeFile = join(out, "nats-server-NOTICE.notice");
  writeFileSync(noticeFile, notice(version, env));
  return {
    define: JSON.stringify({ version, sha256, target: bunTarget }),
    files: [gz, noticeFile],
    version,
    size: binary.length,
  };
}
