/**
 * The HTTP API server: node:http (or node:https with TLS 1.2+ and optional mTLS), our router and
 * routes, timeouts, and a graceful stop. `startServer` validates everything (bind guard, TLS files)
 * before it listens, so a bad configuration fails at start-up with a clear message.
 */
import { createServer as createHttpServer, type Server } from "node:http";
import type { ServerOptions as HttpsOptions } from "node:https";
import type { AddressInfo, Server as NetServer, Socket } from "node:net";
import { createServer as createTlsServer } from "node:tls";
import type { Client } from "../client.ts";
import { AjcError } from "../core/errors.ts";
import type { Logger } from "../core/log.ts";
import { type MetricsServer, serveMetrics } from "../metrics/prometheus.ts";
import { DEFAULT_BIND, formatAddress, guardBind, parseBind } from "./bind.ts";
import { DEFAULT_MAX_BODY_BYTES } from "./body.ts";
import { type BrowserGuard, browserGuard } from "./browser.ts";
import { Connections, type ConnectionTimeouts } from "./connections.ts";
import type { ApiDeps, AuthMode, Handler } from "./context.ts";
import { answerClientError, answerConnect, dispatcher, type RequestLimits } from "./dispatch.ts";
import { keepHeapSmall } from "./heap.ts";
import { HttpMetrics } from "./metrics.ts";
import { Router } from "./router.ts";
import { consoleRoutes } from "./routes/console.ts";
import {
  DEFAULT_EVENT_BUFFER_BYTES,
  DEFAULT_EVENT_STALL_MS,
  DEFAULT_HEARTBEAT_MS,
  DEFAULT_MAX_EVENT_STREAMS,
  eventRoutes,
} from "./routes/events.ts";
import { metaRoutes } from "./routes/meta.ts";
import { queueRoutes } from "./routes/queues.ts";
import { scheduleRoutes } from "./routes/schedules.ts";
import { LIST_MAX_DURATION_MS, taskListRoute } from "./routes/task-list.ts";
import { taskRoutes } from "./routes/tasks.ts";
import { loadTls, type TlsFiles } from "./tls.ts";
import { DEFAULT_MAX_WAIT_MS, TaskWaiters, WAIT_RELOAD_MS } from "./wait.ts";

export const DEFAULT_READ_TIMEOUT_MS = 30_000;
export const DEFAULT_WRITE_TIMEOUT_MS = 30_000;
/** Time for a connection to deliver a complete request head. */
export const HEADERS_TIMEOUT_MS = 5_000;
/** Time a kept-alive connection may sit idle. */
export const IDLE_TIMEOUT_MS = 60_000;

/** How to run the server. */
export interface ServerOptions {
  /** `host:port`; default 127.0.0.1:8080. Non-loopback needs `unsafeBind` or mTLS. */
  bind?: string;
  /** TLS files; a client CA turns on mTLS. */
  tls?: TlsFiles;
  /** The queue tasks go to when a request names none (checked to exist by the caller). */
  queue: string;
  /** Allow `POST /v1/queues` to create `DEFAULT`. Default false. */
  allowCreateDefault?: boolean;
  /** Default 30s. */
  readTimeoutMs?: number;
  /** Default 30s; also bounds how long shutdown waits for in-flight requests. */
  writeTimeoutMs?: number;
  /** Default 512 KiB. */
  maxBodyBytes?: number;
  /** Acknowledge a non-loopback bind without mTLS. Default false. */
  unsafeBind?: boolean;
  /**
   * Host names (or addresses) the `Host` header may name besides loopback ones. The Host check is
   * on for a loopback bind, and for any other bind once this names something (see browser.ts).
   */
  allowedHosts?: string[];
  /** Serve the operator console at `/ui/` (and redirect `/` there). Default true. */
  ui?: boolean;
  /** Time for a connection to deliver a request head; default 5s (not a flag: tests shorten it). */
  headersTimeoutMs?: number;
  /** Time a kept-alive connection may stay idle; default 60s (not a flag: tests shorten it). */
  idleTimeoutMs?: number;
  /** How long one task listing may run; default 60s (not a flag: tests shorten it). */
  listMaxDurationMs?: number;
  /** The longest `Prefer: wait=N` granted; default 60s. */
  maxWaitMs?: number;
  /** How often a waiter reloads its task without an event; default 2s (not a flag: tests lengthen it). */
  waitReloadMs?: number;
  /** Most `GET /v1/events` streams open at once; default 100. */
  maxEventStreams?: number;
  /** Heartbeat comment interval of a quiet event stream; default 15s. */
  heartbeatMs?: number;
  /** Unsent bytes an event stream may hold before its client is cut off; default 1 MiB. */
  eventBufferBytes?: number;
  /** How long an event stream's client may leave its buffer full; default 10s (tests shorten it). */
  eventStallMs?: number;
  /**
   * Serve Prometheus metrics at `/metrics` on this port (on every interface unless `host` is
   * given, as the worker's and scheduler's `--monitor`); off when absent. Port 0 picks one.
   */
  monitor?: { port: number; host?: string };
}

/** A running server. */
export interface ApiServer {
  /** The address it listens on, `host:port`. */
  readonly address: string;
  readonly port: number;
  readonly auth: AuthMode;
  /** Long-lived requests open right now: event streams and `Prefer: wait` waiters. */
  readonly live: { readonly eventStreams: number; readonly waiters: number };
  /** The server's Prometheus series. */
  readonly metrics: HttpMetrics;
  /** The port `/metrics` is served on, when `monitor` was given. */
  readonly metricsPort: number | undefined;
  /** Stops accepting, lets in-flight requests finish (up to the write timeout), closes the rest. */
  close(): Promise<void>;
}

function positive(n: number | undefined, fallback: number, field: string): number {
  const v = n ?? fallback;
  if (!Number.isFinite(v) || v <= 0)
    throw new AjcError("invalid_argument", `${field} must be positive`, { field });
  return v;
}

function listen(server: NetServer, host: string, port: number): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    const onListening = () => {
      server.off("error", reject);
      resolve(server.address() as AddressInfo);
    };
    if (host === "") server.listen(port, onListening);
    else server.listen(port, host, onListening);
  });
}

/** Options after validation. */
export interface ResolvedServerOptions {
  bindText: string;
  host: string;
  port: number;
  tls: HttpsOptions | undefined;
  auth: AuthMode;
  /** Logged at start-up when the bind needs a warning. */
  warning: string | undefined;
  limits: RequestLimits;
  connectionTimeouts: ConnectionTimeouts;
  guard: BrowserGuard;
}

/**
 * Validates everything that can be checked without NATS: the bind guard, the TLS files and the
 * limits. The CLI calls it before connecting, so a bad flag fails at once.
 */
export function resolveServerOptions(options: Omit<ServerOptions, "queue">): ResolvedServerOptions {
  const bindText = options.bind ?? DEFAULT_BIND;
  const { host, port } = parseBind(bindText);
  const tls = loadTls(options.tls ?? {});
  const auth: AuthMode = tls?.requestCert ? "mtls" : "none";
  const warning = guardBind(
    { host, port },
    { unsafeBind: options.unsafeBind ?? false, mtls: auth === "mtls" },
  );
  const limits: RequestLimits = {
    maxBodyBytes: positive(options.maxBodyBytes, DEFAULT_MAX_BODY_BYTES, "max-body"),
    readTimeoutMs: positive(options.readTimeoutMs, DEFAULT_READ_TIMEOUT_MS, "read-timeout"),
    writeTimeoutMs: positive(options.writeTimeoutMs, DEFAULT_WRITE_TIMEOUT_MS, "write-timeout"),
  };
  const connectionTimeouts: ConnectionTimeouts = {
    headersMs: positive(options.headersTimeoutMs, HEADERS_TIMEOUT_MS, "headers-timeout"),
    idleMs: positive(options.idleTimeoutMs, IDLE_TIMEOUT_MS, "idle-timeout"),
  };
  const guard = browserGuard({ bindHost: host, allowedHosts: options.allowedHosts, tls: tls !== undefined });
  return { bindText, host, port, tls, auth, warning, limits, connectionTimeouts, guard };
}

/**
 * The TLS listener: a TLS server whose connections, once the handshake is done, are handed to the
 * HTTP server. (Bun's node:https surfaces a connection only after its handshake, so a client that
 * connects and never completes one would hold the socket for Bun's own idle timeout, not ours.)
 * A handshake not done within the header timeout closes the connection, as does a failed one:
 * no certificate, a certificate the client CA did not sign, TLS below 1.2.
 */
function tlsListener(http: Server, tls: HttpsOptions, handshakeMs: number): NetServer {
  const listener = createTlsServer({ ...tls, handshakeTimeout: handshakeMs }, (socket) => {
    http.emit("connection", socket);
  });
  listener.on("tlsClientError", (_err, socket) => socket.destroy());
  return listener;
}

/** Validates the options, builds the routes and listens. */
export async function startServer(client: Client, options: ServerOptions, log: Logger): Promise<ApiServer> {
  const { bindText, host, port, tls, auth, warning, limits, connectionTimeouts, guard } =
    resolveServerOptions(options);

  const stopping = new AbortController();
  const metrics = new HttpMetrics();
  const deps: ApiDeps = {
    client,
    queue: options.queue,
    allowCreateDefault: options.allowCreateDefault ?? false,
    auth,
    log,
    metrics,
  };
  const router = new Router<Handler>();
  metaRoutes(router, deps);
  taskListRoute(router, deps, {
    stopping: stopping.signal,
    maxDurationMs: positive(options.listMaxDurationMs, LIST_MAX_DURATION_MS, "list-max-duration"),
    writeTimeoutMs: limits.writeTimeoutMs,
  });
  const waiters = new TaskWaiters(client, positive(options.waitReloadMs, WAIT_RELOAD_MS, "wait-reload"));
  taskRoutes(router, deps, {
    waiters,
    maxWaitMs: positive(options.maxWaitMs, DEFAULT_MAX_WAIT_MS, "max-wait"),
    writeTimeoutMs: limits.writeTimeoutMs,
    stopping: stopping.signal,
  });
  const streams = eventRoutes(router, deps, {
    stopping: stopping.signal,
    maxStreams: positive(options.maxEventStreams, DEFAULT_MAX_EVENT_STREAMS, "max-event-streams"),
    heartbeatMs: positive(options.heartbeatMs, DEFAULT_HEARTBEAT_MS, "heartbeat"),
    maxBufferBytes: positive(options.eventBufferBytes, DEFAULT_EVENT_BUFFER_BYTES, "event-buffer"),
    stallMs: positive(options.eventStallMs, DEFAULT_EVENT_STALL_MS, "event-stall"),
  });
  queueRoutes(router, deps);
  scheduleRoutes(router, deps);
  if (options.ui ?? true) consoleRoutes(router);

  const connections = new Connections(
    connectionTimeouts,
    Math.min(limits.readTimeoutMs, limits.writeTimeoutMs),
  );
  const onRequest = dispatcher(router, limits, connections, log, guard, metrics);
  metrics.sample({
    eventStreams: () => streams.open,
    waiters: () => waiters.waiting,
    natsConnected: () => client.connected,
  });
  const server = createHttpServer(onRequest);
  // Node enforces these itself; Bun does not, and Connections covers them there.
  server.headersTimeout = connectionTimeouts.headersMs;
  server.requestTimeout = limits.readTimeoutMs;
  connections.attach(server);
  server.on("clientError", (err, socket) => answerClientError(err, socket as Socket, log));
  server.on("connect", (req, socket) => answerConnect(router, req, socket as Socket, log));
  const listener = tls ? tlsListener(server, tls, connectionTimeouts.headersMs) : server;

  let addr: AddressInfo;
  try {
    addr = await listen(listener, host, port);
  } catch (err) {
    throw new AjcError("invalid_argument", `cannot listen on ${bindText}: ${(err as Error).message}`, {
      field: "bind",
      cause: err,
    });
  }
  const address = formatAddress(host === "" ? addr.address : host, addr.port);
  const stopHeapCheck = keepHeapSmall();
  let metricsServer: MetricsServer | undefined;
  if (options.monitor) {
    try {
      metricsServer = await serveMetrics(metrics, options.monitor);
    } catch (err) {
      listener.close();
      throw new AjcError(
        "invalid_argument",
        `cannot serve metrics on port ${options.monitor.port}: ${(err as Error).message}`,
        {
          field: "monitor",
          cause: err,
        },
      );
    }
    log.info(`serving Prometheus metrics on ${options.monitor.host ?? ""}:${metricsServer.port}/metrics`);
  }
  if (warning) log.warn(warning);
  log.info(`asyncjobs HTTP API listening on ${address} (${auth})`);
  if (options.ui ?? true) log.info(`operator console at ${tls ? "https" : "http"}://${address}/ui/`);

  let closed: Promise<void> | undefined;
  return {
    address,
    port: addr.port,
    auth,
    metrics,
    metricsPort: metricsServer?.port,
    live: {
      get eventStreams() {
        return streams.open;
      },
      get waiters() {
        return waiters.waiting;
      },
    },
    close() {
      closed ??= (async () => {
        stopHeapCheck();
        stopping.abort();
        const released = new Promise<void>((resolve) => listener.close(() => resolve()));
        await connections.shutdown(limits.writeTimeoutMs);
        await Promise.race([released, new Promise((r) => setTimeout(r, 1_000))]);
        await metricsServer?.close();
      })();
      return closed;
    },
  };
}
