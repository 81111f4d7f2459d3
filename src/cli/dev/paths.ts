/**
 * Where `ajc dev` keeps things of its own: its NATS data (per user, kept between runs) and the
 * cache the embedded nats-server is extracted to. The environment is passed in (only config.ts
 * reads it), so tests can point both somewhere private.
 */
import { homedir } from "node:os";
import { join } from "node:path";

type Env = Record<string, string | undefined>;

const home = (env: Env) => env.HOME || homedir();

/** The default `--data` directory: `$XDG_DATA_HOME/ajc/dev` (`~/.local/share/ajc/dev`), or the platform's. */
export function defaultDataDir(env: Env, platform: NodeJS.Platform = process.platform): string {
  if (platform === "darwin") return join(home(env), "Library", "Application Support", "ajc", "dev");
  if (platform === "win32")
    return join(env.LOCALAPPDATA || join(home(env), "AppData", "Local"), "ajc", "dev");
  return join(env.XDG_DATA_HOME || join(home(env), ".local", "share"), "ajc", "dev");
}

/** Where an embedded nats-server is extracted: `$XDG_CACHE_HOME/ajc` (`~/.cache/ajc`), or the platform's. */
export function cacheDir(env: Env, platform: NodeJS.Platform = process.platform): string {
  if (platform === "darwin") return join(home(env), "Library", "Caches", "ajc");
  if (platform === "win32")
    return join(env.LOCALAPPDATA || join(home(env), "AppData", "Local"), "ajc", "cache");
  return join(env.XDG_CACHE_HOME || join(home(env), ".cache"), "ajc");
}
