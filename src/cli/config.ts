/**
 * The only module that reads the environment: NATS connection settings from flags, `NATS_URL` and
 * the NATS CLI context directory.
 */
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import type { ConnectionOptions } from "../store/connection.ts";

/** The connection flags every command has. */
export interface NatsFlags {
  server?: string;
  context?: string;
  creds?: string;
  nkey?: string;
  user?: string;
  password?: string;
  tlscert?: string;
  tlskey?: string;
  tlsca?: string;
}

/** Where the NATS CLI keeps context NAME: `$XDG_CONFIG_HOME/nats/context/NAME.json`. */
export function contextFile(name: string, env: Record<string, string | undefined>): string {
  if (name.includes("/") || name.endsWith(".json")) return name;
  const base = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), ".config");
  return join(base, "nats", "context", `${name}.json`);
}

/**
 * The context the Go `ajc` uses by default. Read when no context is named and the file exists, so
 * a host set up for the Go tools reaches the same NATS; when it does not exist nothing changes.
 */
export const GO_DEFAULT_CONTEXT = "AJC";

/** Resolves connection options: flags first, then `NATS_URL`, then the context file, then the default. */
export function connectionFromFlags(
  flags: NatsFlags,
  env: Record<string, string | undefined>,
  extra: Partial<ConnectionOptions> = {},
): ConnectionOptions {
  const goDefault = contextFile(GO_DEFAULT_CONTEXT, env);
  const context = flags.context ?? env.NATS_CONTEXT ?? (existsSync(goDefault) ? goDefault : undefined);
  const o: ConnectionOptions = { ...extra };
  const servers = flags.server ?? env.NATS_URL;
  if (servers) o.servers = servers;
  if (context) o.contextFile = contextFile(context, env);
  if (flags.creds ?? env.NATS_CREDS) o.creds = flags.creds ?? env.NATS_CREDS;
  if (flags.nkey ?? env.NATS_NKEY) o.nkey = flags.nkey ?? env.NATS_NKEY;
  if (flags.user ?? env.NATS_USER) o.user = flags.user ?? env.NATS_USER;
  if (flags.password ?? env.NATS_PASSWORD) o.password = flags.password ?? env.NATS_PASSWORD;
  if (flags.tlscert) o.tlsCert = flags.tlscert;
  if (flags.tlskey) o.tlsKey = flags.tlskey;
  if (flags.tlsca) o.tlsCa = flags.tlsca;
  return o;
}

/** Reads `AJC_<NAME>` for a flag that may come from the environment (flags win). */
export function envFlag(env: Record<string, string | undefined>, name: string): string | undefined {
  return env[`AJC_${name.toUpperCase().replace(/-/g, "_")}`];
}
