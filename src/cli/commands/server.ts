/**
 * `ajc server run`: serves the HTTP API. Every flag can also come from `AJC_<FLAG>` in the
 * environment (`--tls-client-ca` → `AJC_TLS_CLIENT_CA`); a flag on the command line wins.
 */
import { underReplicated } from "../../client.ts";
import { parseGoDuration } from "../../core/duration.ts";
import { AjcError } from "../../core/errors.ts";
import { type BatchedSink, batchedSink, createLogger, LOG_FORMATS, type Logger } from "../../core/log.ts";
import { DEFAULT_BIND } from "../../http/bind.ts";
import { DEFAULT_MAX_BODY_BYTES } from "../../http/body.ts";
import { DEFAULT_MAX_EVENT_STREAMS } from "../../http/routes/events.ts";
import { resolveServerOptions, type ServerOptions, startServer } from "../../http/server.ts";
import { checkServerQueueFlags, resolveServerQueue } from "../../http/server-queue.ts";
import { byteFlag } from "../byte-flag.ts";
import { defineCommand, defineGroup } from "../command.ts";
import { envFlag, type NatsFlags } from "../config.ts";
import type { CliContext } from "../context.ts";
import type { Io } from "../io.ts";
import { LOG_FORMAT_DESCRIPTION, natsLog, resolveLogFormat } from "../log-format.ts";
import { parseMonitor } from "../monitor.ts";
import { readKey } from "./task/keys.ts";

interface RunArgs extends NatsFlags {
  bind?: string;
  "tls-cert"?: string;
  "tls-key"?: string;
  "tls-client-ca"?: string;
  queue?: string;
  "allow-create-default"?: boolean;
  "read-timeout"?: string;
  "write-timeout"?: string;
  "max-body"?: string;
  "unsafe-bind"?: boolean;
  "allowed-host"?: string[];
  ui?: boolean;
  "log-format"?: string;
  verify?: string;
  "verify-key"?: string;
  "signatures-optional"?: boolean;
  replicas?: string;
  "max-event-streams"?: string;
  "max-wait"?: string;
  monitor?: string;
}

const envName = (flag: string) => `AJC_${flag.toUpperCase().replace(/-/g, "_")}`;

/** The server's flags: no yargs defaults, so an absent flag can fall back to the environment. */
const FLAGS: Record<
  string,
  {
    type: "string" | "boolean";
    describe: string;
    choices?: readonly string[];
    array?: boolean;
    /** Kept for old command lines, left out of the help. */
    hidden?: boolean;
  }
> = {
  bind: {
    type: "string",
    describe: `listen address; non-loopback needs --unsafe-bind or mTLS [default: ${DEFAULT_BIND}]`,
  },
  "tls-cert": { type: "string", describe: "TLS certificate (PEM); needs --tls-key" },
  "tls-key": { type: "string", describe: "TLS private key (PEM); needs --tls-cert" },
  "tls-client-ca": {
    type: "string",
    describe: "CA bundle clients' certificates must verify against: enables mTLS",
  },
  queue: { type: "string", describe: "existing queue tasks go to when a request names none" },
  "allow-create-default": {
    type: "boolean",
    describe: "without --queue use (and create) the DEFAULT queue; let POST /v1/queues create DEFAULT",
  },
  "read-timeout": { type: "string", describe: "time to read a request (Go duration) [default: 30s]" },
  "write-timeout": { type: "string", describe: "time to write a response (Go duration) [default: 30s]" },
  "max-body": {
    type: "string",
    describe: `largest request body in bytes [default: ${DEFAULT_MAX_BODY_BYTES}]`,
  },
  "unsafe-bind": {
    type: "boolean",
    describe: "acknowledge that a non-loopback bind exposes a server without authentication",
  },
  "allowed-host": {
    type: "string",
    array: true,
    describe: "a name the Host header may give besides loopback ones; repeatable (the env: comma-separated)",
  },
  ui: {
    type: "boolean",
    describe: "serve the operator console at /ui/; --ui=false turns it off [default: true]",
  },
  "log-format": { type: "string", describe: LOG_FORMAT_DESCRIPTION, choices: LOG_FORMATS },
  verify: {
    type: "string",
    describe:
      "ed25519 public key (hex, or a file holding it): tasks must be signed, checked on create and read",
  },
  /** The old spelling of --verify. */
  "verify-key": { type: "string", describe: "the same as --verify", hidden: true },
  "signatures-optional": { type: "boolean", describe: "with --verify, accept unsigned tasks too" },
  replicas: {
    type: "string",
    describe:
      "replicas (1..5) of every stream and bucket the server creates, in a JetStream cluster [default: 1]",
  },
  "max-wait": {
    type: "string",
    describe: "longest Prefer: wait=N granted on task reads and creates (Go duration) [default: 60s]",
  },
  "max-event-streams": {
    type: "string",
    describe: `most GET /v1/events streams open at once; more get 429 [default: ${DEFAULT_MAX_EVENT_STREAMS}]`,
  },
  monitor: {
    type: "string",
    describe: "serve Prometheus metrics at /metrics on PORT (every interface) or HOST:PORT; off by default",
  },
};

function parseBool(flag: string, v: string): boolean {
  if (/^(1|true|yes|on)$/i.test(v)) return true;
  if (/^(0|false|no|off)?$/i.test(v)) return false;
  throw new AjcError("invalid_argument", `${envName(flag)} must be true or false, not ${JSON.stringify(v)}`);
}

/** A repeatable flag's values (or the environment's), each of which may be a comma-separated list. */
function list(v: string | string[] | undefined): string[] | undefined {
  if (v === undefined) return undefined;
  const items = (Array.isArray(v) ? v : [v]).flatMap((s) => String(s).split(","));
  return items.map((s) => s.trim()).filter((s) => s !== "");
}

function durationMs(flag: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const ms = parseGoDuration(v, flag) / 1_000_000;
  if (ms <= 0) throw new AjcError("invalid_argument", `--${flag} must be positive`, { field: flag });
  return ms;
}

/** `--replicas`: a whole number; the range is checked where streams are made. */
function replicaCount(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v)) {
    throw new AjcError(
      "invalid_argument",
      `--replicas must be a whole number from 1 to 5, not ${JSON.stringify(v)}`,
      {
        field: "replicas",
      },
    );
  }
  return Number(v);
}

function count(flag: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v) || Number(v) < 1) {
    throw new AjcError("invalid_argument", `--${flag} must be a whole number of at least 1`, { field: flag });
  }
  return Number(v);
}

/**
 * The largest body whose task surely fits in one NATS message: a JSON payload is stored as base64
 * (4 bytes for every 3) beside the task's other fields.
 */
export function storableBodyBytes(maxTaskBytes: number): number {
  return Math.max(0, Math.floor(((maxTaskBytes - 1024) * 3) / 4));
}

/** Start-up warning when `--max-body` lets in bodies NATS cannot store (those get 413). */
function maxBodyWarning(maxBody: number, maxTaskBytes: number): string | undefined {
  const storable = storableBodyBytes(maxTaskBytes);
  if (maxBody <= storable) return undefined;
  return `--max-body ${maxBody} is more than the connected NATS server can store in one task (max_payload allows ${maxTaskBytes} bytes of task JSON, about ${storable} bytes of body): larger tasks are refused with 413 payload_too_large`;
}

/** `--verify` (or its old spelling `--verify-key`), loaded as every command loads keys. */
function verifyKeyOf(verify: string | undefined, oldSpelling: string | undefined): string | undefined {
  if (verify !== undefined) return readKey(verify, "verify");
  return oldSpelling === undefined ? undefined : readKey(oldSpelling, "verify-key");
}

/** What the flags and the environment say, checked before connecting. */
interface Prepared {
  options: Omit<ServerOptions, "queue">;
  queue?: string;
  replicas?: number;
  verificationKey?: string;
  signaturesOptional: boolean;
  sink: BatchedSink;
  log: Logger;
}

function prepareServer(argv: RunArgs, io: Io): Prepared {
  const env = io.env;
  const str = (flag: keyof RunArgs & string) => (argv[flag] as string | undefined) ?? envFlag(env, flag);
  const bool = (flag: keyof RunArgs & string) => {
    const v = argv[flag] as boolean | undefined;
    const e = envFlag(env, flag);
    return v ?? (e === undefined ? false : parseBool(flag, e));
  };
  const format = resolveLogFormat(argv["log-format"], env);
  const options: Omit<ServerOptions, "queue"> = {
    bind: str("bind"),
    tls: { cert: str("tls-cert"), key: str("tls-key"), clientCa: str("tls-client-ca") },
    allowCreateDefault: bool("allow-create-default"),
    readTimeoutMs: durationMs("read-timeout", str("read-timeout")),
    writeTimeoutMs: durationMs("write-timeout", str("write-timeout")),
    maxBodyBytes: byteFlag("max-body", str("max-body")),
    unsafeBind: bool("unsafe-bind"),
    allowedHosts: list(argv["allowed-host"] ?? envFlag(env, "allowed-host")),
    maxWaitMs: durationMs("max-wait", str("max-wait")),
    maxEventStreams: count("max-event-streams", str("max-event-streams")),
    ui: argv.ui ?? (envFlag(env, "ui") === undefined ? true : bool("ui")),
  };
  const monitor = str("monitor");
  if (monitor !== undefined) options.monitor = parseMonitor(monitor);
  resolveServerOptions(options);
  checkServerQueueFlags(str("queue"), options.allowCreateDefault ?? false);
  const sink = batchedSink((text) => io.err(text));
  process.once("exit", sink.flush);
  const log = createLogger({ format, write: sink.write });
  return {
    options,
    queue: str("queue"),
    replicas: replicaCount(str("replicas")),
    verificationKey: verifyKeyOf(str("verify"), str("verify-key")),
    signaturesOptional: bool("signatures-optional"),
    sink,
    log,
  };
}

function runCommand(ctx: CliContext) {
  return defineCommand<RunArgs, Prepared>(ctx, {
    command: "run",
    describe: "Serves the asyncjobs HTTP API until SIGINT or SIGTERM",
    builder: (y) => {
      let b = y;
      for (const [name, o] of Object.entries(FLAGS)) {
        b = b.option(name, {
          type: o.type,
          array: o.array,
          choices: o.choices,
          hidden: o.hidden,
          describe: `${o.describe} (env ${envName(name)})`,
        });
      }
      const shown = Object.keys(FLAGS).filter((name) => !FLAGS[name]?.hidden);
      return b.group(shown, "Server:");
    },
    prepare: (argv) => prepareServer(argv, ctx.io),
    connect: (_argv, p) => ({
      taskStore: { replicas: p.replicas },
      verificationKey: p.verificationKey,
      signaturesOptional: p.signaturesOptional,
      connection: { reconnectForever: true, name: "ajc server", log: natsLog(p.log) },
    }),
    run: async ({ client, prepared: p, stopOnSignal }) => {
      const { options, log } = p;
      const tooBig = maxBodyWarning(options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES, client.maxTaskBytes());
      if (tooBig) log.warn(tooBig);
      if (p.replicas !== undefined) {
        for (const line of underReplicated(await client.replication(), p.replicas)) log.warn(line);
      }
      const queue = await resolveServerQueue(client, p.queue, options.allowCreateDefault ?? false);
      const stop = stopOnSignal();
      const server = await startServer(client, { ...options, queue }, log);
      const signal = await stop.stopped;
      log.info(`${signal} received, shutting down`);
      await server.close();
      await client.close();
      log.info("stopped");
      p.sink.flush();
      return undefined;
    },
  });
}

/** `ajc server`: the HTTP API. */
export function serverCommand(ctx: CliContext) {
  return defineGroup(ctx, {
    command: "server",
    describe: "Runs the asyncjobs HTTP API",
    subcommands: [runCommand],
  });
}
