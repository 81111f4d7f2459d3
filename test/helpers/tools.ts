/**
 * Tests that need an outside tool (nginx, Caddy, openssl, systemd-analyze, ...) ask here first.
 * Where the tool is missing the test is skipped with its reason, so bun counts it as skipped and
 * the reason is printed once; with AJC_REQUIRE_TOOLS=1 (set by .ci/run) a missing tool is an
 * error instead, so CI cannot go green by silently skipping what it was meant to run.
 *
 *   test.skipIf(missingTools("openssl"))("...", ...)
 *   describe.skipIf(missingTools("nginx"))("nginx", ...)
 */
import { spawnSync } from "node:child_process";
import { accessSync, constants } from "node:fs";

/** Where Debian puts daemons: off a normal user's PATH, but they run from there all the same. */
const SBIN = ["/usr/sbin", "/sbin", "/usr/local/sbin"];

/** Whether CI demands every tool (AJC_REQUIRE_TOOLS=1): then a missing one fails the run. */
export function toolsRequired(): boolean {
  return process.env.AJC_REQUIRE_TOOLS === "1";
}

/** The path of an executable named `name` on PATH or in an sbin directory, or undefined. */
export function toolPath(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? "").split(":").filter((d) => d !== ""), ...SBIN];
  for (const dir of dirs) {
    const p = `${dir}/${name}`;
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** Whether `name` is installed; the answer to `toolPath` as a boolean. */
export const toolAvailable = (name: string): boolean => toolPath(name) !== undefined;

const reported = new Set<string>();

/**
 * `skip`, printing `reason` once per process when it is true: for a skip that is not about a tool
 * (a file only the development workspace has), which AJC_REQUIRE_TOOLS leaves alone.
 */
export function skipBecause(skip: boolean, reason: string): boolean {
  if (skip && !reported.has(reason)) {
    reported.add(reason);
    console.warn(`skipped: ${reason}`);
  }
  return skip;
}

/**
 * True (skip) when `ok` is false: prints `reason` once per process. With AJC_REQUIRE_TOOLS=1 it
 * throws instead, which fails the test file where the skip would have been.
 */
export function skipUnless(ok: boolean, reason: string): boolean {
  if (ok) return false;
  if (toolsRequired()) throw new Error(`AJC_REQUIRE_TOOLS=1 and ${reason}: install it (see .ci/run)`);
  return skipBecause(true, `${reason} (AJC_REQUIRE_TOOLS=1 makes this an error)`);
}

/** True (skip) when any of `names` is not installed; see `skipUnless`. */
export function missingTools(...names: string[]): boolean {
  const missing = names.filter((n) => !toolAvailable(n));
  return skipUnless(missing.length === 0, `${missing.join(", ")} not installed`);
}

/** Whether `cmd` runs and exits 0, and its stdout: for a feature a tool's older versions lack. */
export function toolOutput(cmd: string, args: string[]): string | undefined {
  const r = spawnSync(cmd, args, { encoding: "utf8", timeout: 30_000 });
  return r.status === 0 ? r.stdout : undefined;
}
