/**
 * The real Go asyncjobs tools for the interop tests: the Go `ajc` CLI and `gohelper` (a small
 * program on the Go library, gohelper/main.go), both built with `go build` from this folder's Go
 * module, whose go.mod pins the asyncjobs version. Nothing is downloaded but modules through the
 * Go module proxy; the binaries go to a cache directory outside the repository, keyed by the
 * module files, so a run builds them once and later runs reuse them.
 *
 * The interop tests run only under `npm run test:interop` (which sets AJC_INTEROP=1): they are
 * slow and need Go. `interopGate()` says whether to run them and prints the one line that says why
 * they are skipped otherwise.
 */
import { describe } from "bun:test";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** This folder: the Go module (go.mod, go.sum, gohelper/). */
export const INTEROP_DIR = import.meta.dir;

/** The asyncjobs version go.mod requires (the one place it is pinned). */
export function asyncjobsVersion(): string {
  const m = /github\.com\/choria-io\/asyncjobs (v\S+)/.exec(
    readFileSync(join(INTEROP_DIR, "go.mod"), "utf8"),
  );
  if (!m?.[1]) throw new Error("test/interop/go.mod does not require github.com/choria-io/asyncjobs");
  return m[1];
}

/** `go version`'s answer, or undefined when there is no Go toolchain. */
export function goVersion(): string | undefined {
  const r = spawnSync("go", ["version"], { encoding: "utf8" });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

let gate: boolean | undefined;

/**
 * Whether the interop tests run in this process. They run when AJC_INTEROP=1 and Go is
 * installed; without Go they fail when AJC_REQUIRE_GO=1 (CI) and are skipped otherwise. A skip
 * prints one line (once per process) saying why and how to run them.
 */
export function interopGate(): boolean {
  if (gate !== undefined) return gate;
  let reason: string | undefined;
  if (process.env.AJC_INTEROP !== "1") {
    reason = "they build and run the Go asyncjobs tools, so they run only under `npm run test:interop`";
  } else if (!goVersion()) {
    if (process.env.AJC_REQUIRE_GO === "1") {
      throw new Error("AJC_REQUIRE_GO=1 but there is no `go` on PATH: install Go to run the interop tests");
    }
    reason = "there is no `go` on PATH; install Go and run `npm run test:interop`";
  }
  if (reason) console.log(`interop tests with the Go asyncjobs tools skipped: ${reason}`);
  gate = reason === undefined;
  return gate;
}

/**
 * `describe` for interop tests: registered only when `interopGate()` lets them run, so a skipped
 * run shows the gate's one line rather than a skip line for every test.
 */
export function describeInterop(name: string, fn: () => void): void {
  if (interopGate()) describe(name, fn);
}

const WEEK_MS = 7 * 24 * 3600 * 1000;

/** The Go module files whose content decides the binaries. */
const KEY_FILES = ["go.mod", "go.sum", "gohelper/main.go"];

/** The cache directory: AJC_INTEROP_CACHE, or one under the temporary directory. */
export function interopCacheDir(): string {
  return process.env.AJC_INTEROP_CACHE ?? join(tmpdir(), "ajc-interop-cache");
}

function goRun(args: string[], opts: { cwd?: string; env?: Record<string, string> } = {}): void {
  const r = spawnSync("go", args, {
    cwd: opts.cwd ?? INTEROP_DIR,
    encoding: "utf8",
    // -mod=readonly: go.mod and go.sum as committed are the whole truth; a build never edits them.
    env: { ...process.env, GOFLAGS: "-mod=readonly -buildvcs=false", ...opts.env },
  });
  if (r.status !== 0) throw new Error(`go ${args.join(" ")} failed:\n${r.stdout}\n${r.stderr}`);
}

/** Builds into `dir` unless it is there already; a half-built directory is never used. */
function buildOnce(dir: string, build: (tmp: string) => void): string {
  if (existsSync(join(dir, "done"))) return dir;
  const parent = join(dir, "..");
  mkdirSync(parent, { recursive: true });
  const tmp = mkdtempSync(join(parent, ".building-"));
  try {
    build(tmp);
    writeFileSync(join(tmp, "done"), "");
    rmSync(dir, { recursive: true, force: true });
    renameSync(tmp, dir);
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
  return dir;
}

/** Paths of the built Go tools. */
export interface GoTools {
  /** The Go `ajc` CLI of the pinned asyncjobs version. */
  ajc: string;
  /** gohelper/main.go built. */
  helper: string;
}

let tools: GoTools | undefined;

/** Builds (once per run, and only when the module files changed) and returns the Go tools. */
export function goTools(): GoTools {
  if (tools) return tools;
  const hash = createHash("sha256");
  hash.update(goVersion() ?? "");
  for (const f of KEY_FILES) hash.update(readFileSync(join(INTEROP_DIR, f)));
  const name = `go-tools-${hash.digest("hex").slice(0, 16)}`;
  const dir = join(interopCacheDir(), name);
  // Builds for other module files not used for a week go (another checkout may use a newer one).
  mkdirSync(interopCacheDir(), { recursive: true });
  for (const other of readdirSync(interopCacheDir())) {
    const path = join(interopCacheDir(), other);
    if (other.startsWith("go-tools-") && other !== name && Date.now() - statSync(path).mtimeMs > WEEK_MS) {
      rmSync(path, { recursive: true, force: true });
    }
  }
  buildOnce(dir, (tmp) => {
    goRun(["build", "-o", join(tmp, "ajc-go"), "github.com/choria-io/asyncjobs/ajc"]);
    goRun(["build", "-o", join(tmp, "gohelper"), "./gohelper"]);
  });
  const now = new Date();
  utimesSync(dir, now, now); // marks it used, for the clean-up above
  tools = { ajc: join(dir, "ajc-go"), helper: join(dir, "gohelper") };
  return tools;
}

/** The newest patch release of each current nats-server minor (there is no 2.13). */
export const NATS_RELEASES = ["2.10.27", "2.11.17", "2.12.15", "2.14.10", "2.15.3"];
/** The newest of them: the whole suite runs against it in CI too. */
export const NEWEST_NATS_RELEASE = NATS_RELEASES.at(-1) ?? "";

/** Builds a nats-server release with `go install` (once; cached) and returns its path. */
export function natsServerRelease(version: string): string {
  const dir = join(interopCacheDir(), `nats-server-${version}`);
  buildOnce(dir, (tmp) => {
    goRun(["install", `github.com/nats-io/nats-server/v2@v${version}`], {
      cwd: tmpdir(),
      env: { GOBIN: tmp, GOFLAGS: "-buildvcs=false" },
    });
  });
  return join(dir, "nats-server");
}

/**
 * A temporary XDG_CONFIG_HOME holding the NATS context `AJC` (the Go CLI's default) that points
 * at `natsUrl`: the Go CLI connects only through a context.
 */
export function natsContextEnv(natsUrl: string): { env: Record<string, string>; remove(): void } {
  const home = mkdtempSync(join(tmpdir(), "ajc-interop-xdg-"));
  mkdirSync(join(home, "nats", "context"), { recursive: true });
  writeFileSync(join(home, "nats", "context", "AJC.json"), JSON.stringify({ url: natsUrl }));
  return {
    env: { XDG_CONFIG_HOME: home },
    remove: () => rmSync(home, { recursive: true, force: true }),
  };
}
