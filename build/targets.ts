/**
 * The Bun compile targets `ajc` is released for. The build script validates against this list, and
 * tests check that the release workflow's matrix and the Dockerfile name only these targets.
 */

/** Every supported `--target`, in release order. */
export const SUPPORTED_TARGETS = [
  "bun-linux-x64",
  "bun-linux-x64-musl",
  "bun-linux-arm64",
  "bun-darwin-x64",
  "bun-darwin-arm64",
  "bun-windows-x64",
] as const satisfies readonly Bun.Build.CompileTarget[];

/** One supported compile target. */
export type Target = (typeof SUPPORTED_TARGETS)[number];

/**
 * Targets that are built and released but not covered by the test suite (it relies on POSIX
 * signals, `nats-server` and a POSIX shell), so a failure there does not stop a release.
 */
export const EXPERIMENTAL_TARGETS: readonly Target[] = ["bun-windows-x64"];

export function isTarget(name: string): name is Target {
  return (SUPPORTED_TARGETS as readonly string[]).includes(name);
}

/** The released file name for a target: `ajc-linux-x64`, `ajc-windows-x64.exe`, … */
export function artifactName(target: Target): string {
  return `ajc-${target.replace(/^bun-/, "")}${target.includes("windows") ? ".exe" : ""}`;
}
