/**
 * Connecting to NATS the way the `nats` CLI does: server URLs, a CLI context file, credentials,
 * nkeys, tokens, user/password and TLS material. The caller (the CLI's config module) resolves the
 * environment; this module only reads the files it is pointed at.
 */
import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import {
  type Authenticator,
  credsAuthenticator,
  type NatsConnection,
  nkeyAuthenticator,
} from "@nats-io/nats-core";
import { connect, type NodeConnectionOptions } from "@nats-io/transport-node";
import { AjcError } from "../core/errors.ts";

/** How to reach NATS. Every field is optional; the default server is nats://127.0.0.1:4222. */
export interface ConnectionOptions {
  /** Comma-separated server URLs. */
  servers?: string;
  /** Path of a NATS CLI context JSON file; its settings apply unless given here too. */
  contextFile?: string;
  user?: string;
  password?: string;
  token?: string;
  /** Path of a `.creds` file. */
  creds?: string;
  /** Path of a file holding an nkey seed. */
  nkey?: string;
  tlsCert?: string;
  tlsKey?: string;
  tlsCa?: string;
  inboxPrefix?: string;
  /** Connection name shown by the server. */
  name?: string;
  /** Long-running commands reconnect forever; short ones give up. Default false. */
  reconnectForever?: boolean;
  /** Initial connection timeout in ms. Default 5000. */
  timeoutMs?: number;
  /** Called with a one-line message on disconnect/reconnect. */
  log?: (msg: string) => void;
}

export const DEFAULT_NATS_URL = "nats://127.0.0.1:4222";

interface NatsContextFile {
  url?: string;
  user?: string;
  password?: string;
  token?: string;
  creds?: string;
  nkey?: string;
  cert?: string;
  key?: string;
  ca?: string;
  inbox_prefix?: string;
}

function readContext(path: string): NatsContextFile {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (err as Error).message;
    throw new AjcError("invalid_argument", `unknown NATS context: cannot read ${path}: ${why}`, {
      cause: err,
    });
  }
  try {
    const ctx = JSON.parse(text) as NatsContextFile;
    // The nats CLI writes paths with a leading ~ for the home directory.
    for (const k of ["creds", "nkey", "cert", "key", "ca"] as const) {
      const v = ctx[k];
      if (typeof v === "string" && (v === "~" || v.startsWith("~/"))) ctx[k] = join(homedir(), v.slice(1));
    }
    return ctx;
  } catch (err) {
    throw new AjcError("invalid_argument", `NATS context ${path} is not valid JSON`, { cause: err });
  }
}

function readFile(path: string, what: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new AjcError("invalid_argument", `cannot read ${what} ${path}: ${(err as Error).message}`, {
      cause: err,
    });
  }
}

/** Merges explicit options over the context file's settings. */
export function resolveConnection(opts: ConnectionOptions): ConnectionOptions {
  const ctx = opts.contextFile ? readContext(opts.contextFile) : {};
  const pick = <T>(a: T | undefined, b: T | undefined) => (a !== undefined && a !== "" ? a : b || undefined);
  return {
    ...opts,
    servers: pick(opts.servers, ctx.url) ?? DEFAULT_NATS_URL,
    user: pick(opts.user, ctx.user),
    password: pick(opts.password, ctx.password),
    token: pick(opts.token, ctx.token),
    creds: pick(opts.creds, ctx.creds),
    nkey: pick(opts.nkey, ctx.nkey),
    tlsCert: pick(opts.tlsCert, ctx.cert),
    tlsKey: pick(opts.tlsKey, ctx.key),
    tlsCa: pick(opts.tlsCa, ctx.ca),
    inboxPrefix: pick(opts.inboxPrefix, ctx.inbox_prefix),
  };
}

function natsOptions(o: ConnectionOptions): NodeConnectionOptions {
  const servers = (o.servers ?? DEFAULT_NATS_URL)
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  const authenticators: Authenticator[] = [];
  if (o.creds) authenticators.push(credsAuthenticator(readFile(o.creds, "credentials")));
  if (o.nkey) {
    const seed = new TextDecoder().decode(readFile(o.nkey, "nkey seed")).trim();
    authenticators.push(nkeyAuthenticator(new TextEncoder().encode(seed)));
  }
  const n: NodeConnectionOptions = {
    servers,
    name: o.name ?? "ajc",
    timeout: o.timeoutMs ?? 5000,
    maxReconnectAttempts: o.reconnectForever ? -1 : 10,
    reconnectTimeWait: 1000,
    // JetStream requests already time out; pings catch a dead server within ~10s.
    pingInterval: 5000,
    maxPingOut: 2,
    // Capturing a stack trace for every request is a large share of a busy worker's CPU; errors keep their message.
    noAsyncTraces: true,
  };
  if (authenticators.length > 0) n.authenticator = authenticators;
  if (o.user) n.user = o.user;
  if (o.password) n.pass = o.password;
  if (o.token) n.token = o.token;
  if (o.inboxPrefix) n.inboxPrefix = o.inboxPrefix;
  if (o.tlsCert || o.tlsKey || o.tlsCa) {
    n.tls = {};
    if (o.tlsCert) n.tls.certFile = o.tlsCert;
    if (o.tlsKey) n.tls.keyFile = o.tlsKey;
    if (o.tlsCa) n.tls.caFile = o.tlsCa;
  }
  return n;
}

/** The inbox prefix each connection was opened with (replies must come back under it). */
const inboxPrefixes = new WeakMap<NatsConnection, string>();

/** The inbox prefix `nc` was opened with by `openConnection`, if any. */
export function inboxPrefixOf(nc: NatsConnection): string | undefined {
  return inboxPrefixes.get(nc);
}

/** Opens a NATS connection; an unreachable server is a one-line `storage_not_ready` error. */
export async function openConnection(opts: ConnectionOptions): Promise<NatsConnection> {
  const o = resolveConnection(opts);
  let nc: NatsConnection;
  try {
    nc = await connect(natsOptions(o));
  } catch (err) {
    throw new AjcError(
      "storage_not_ready",
      `cannot connect to NATS at ${o.servers}: ${(err as Error).message || String(err)}`,
      { cause: err },
    );
  }
  if (o.inboxPrefix) inboxPrefixes.set(nc, o.inboxPrefix);
  if (o.log) watchStatus(nc, o.log);
  return nc;
}

async function watchStatus(nc: NatsConnection, log: (msg: string) => void): Promise<void> {
  for await (const s of nc.status()) {
    if (s.type === "disconnect") log(`NATS disconnected from ${s.server}`);
    else if (s.type === "reconnect") log(`NATS reconnected to ${s.server}`);
  }
}
