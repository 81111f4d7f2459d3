/**
 * Which nats-server `ajc dev` runs: the one `--nats-server` names, else the first on PATH, else
 * the one embedded in a release build (extracted to the cache directory).
 */
import { spawnSync } from "node:child_process";
import { accessSync, constants, statSync } from "node:fs";
import { delimiter, join } from "node:path";
import { AjcError } from "../../core/errors.ts";
import { embeddedNats, extractEmbeddedNats, extractedPath } from "./embedded-nats.ts";

/** One line saying how to get a nats-server, for a build without one on a machine without one. */
export const NO_NATS_SERVER =
  "no nats-server found: install one (Debian/Ubuntu: apt-get install nats-server; macOS: brew install nats-server; or a release from the NATS project), name it with --nats-server PATH, or use a release build of ajc, which carries one";

/** Where the nats-server comes from. */
export type NatsSource = "flag" | "path" | "embedded";

/** The nats-server chosen, before anything is extracted. */
export interface NatsChoice {
  source: NatsSource;
  /** For `embedded`, where it is (or will be) extracted. */
  path: string;
  /** For `embedded`, the version the build recorded. */
  version?: string;
}

function isExecutable(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The first executable `nats-server` on `PATH`. */
export function findOnPath(pathVar: string | undefined): string | undefined {
  const names = process.platform === "win32" ? ["nats-server.exe"] : ["nats-server"];
  for (const dir of (pathVar ?? "").split(delimiter)) {
    if (!dir) continue;
    for (const n of names) if (isExecutable(join(dir, n))) return join(dir, n);
  }
  return undefined;
}

/** Chooses the nats-server without running or extracting anything; undefined when there is none. */
export function chooseNatsServer(
  flag: string | undefined,
  pathVar: string | undefined,
  cache: string,
): NatsChoice | undefined {
  if (flag) {
    if (!isExecutable(flag)) {
      throw new AjcError("invalid_argument", `--nats-server ${flag} is not an executable file`, {
        field: "nats-server",
      });
    }
    return { source: "flag", path: flag };
  }
  const onPath = findOnPath(pathVar);
  if (onPath) return { source: "path", path: onPath };
  const info = embeddedNats();
  if (info) return { source: "embedded", path: extractedPath(info, cache), version: info.version };
  return undefined;
}

/** The executable to run for `choice`, extracting the embedded one when needed. */
export async function natsExecutable(choice: NatsChoice, cache: string): Promise<string> {
  const info = embeddedNats();
  return choice.source === "embedded" && info ? extractEmbeddedNats(info, cache) : choice.path;
}

/** `v2.10.18` from `nats-server --version`, or undefined when it does not answer. */
export function natsVersion(path: string): string | undefined {
  const r = spawnSync(path, ["--version"], { encoding: "utf8", timeout: 5_000 });
  return /v?\d+\.\d+\.\d+\S*/.exec(`${r.stdout}${r.stderr}`)?.[0];
}

/** Which nats-server, from where: `PATH (VERSION, SOURCE)`. */
export function describeChoice(choice: NatsChoice | undefined, version?: string): string {
  if (!choice) return `none (${NO_NATS_SERVER})`;
  const v = version ?? choice.version ?? "version unknown";
  const from = {
    flag: "named by --nats-server",
    path: "found on PATH",
    embedded: "embedded in this ajc, extracted on first use",
  }[choice.source];
  return `${choice.path} (${v}, ${from})`;
}
