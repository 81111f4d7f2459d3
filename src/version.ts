/** The version from package.json and the git commit stamped in by the build (`--define`). */
import pkg from "../package.json" with { type: "json" };

declare const AJC_COMMIT: string | undefined;

export const VERSION: string = pkg.version;
export const COMMIT: string = typeof AJC_COMMIT === "string" ? AJC_COMMIT : "";

/** `0.1.0 (abc1234)` when the commit is known, else `0.1.0`. */
export function versionString(): string {
  return COMMIT ? `${VERSION} (${COMMIT})` : VERSION;
}
