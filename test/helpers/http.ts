/**
 * The HTTP API in-process on a private NATS server, for integration tests: a library client, the
 * server on a free loopback port, its log lines collected, and `call` — fetch plus the contract
 * check of every response (test/helpers/openapi.ts).
 */
import { expect } from "bun:test";
import { Client, type ClientOptions } from "../../src/client.ts";
import { createLogger } from "../../src/core/log.ts";
import { type ApiServer, type ServerOptions, startServer } from "../../src/http/server.ts";
import { type NatsServer, startNats } from "./nats.ts";
import { type CheckedResponse, checkedFetch } from "./openapi.ts";

/** A request for `call`. */
export interface CallOptions {
  /** Sent as the JSON body. */
  json?: unknown;
  /** Sent as the body as is (declared `application/json` unless `headers` give a Content-Type). */
  body?: string;
  headers?: Record<string, string>;
  /** Extra fetch options (e.g. Bun's `tls`). */
  init?: Record<string, unknown>;
}

export interface ApiEnv {
  nats: NatsServer;
  client: Client;
  server: ApiServer;
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** Every log line the server wrote. */
  logs: string[];
  /** Calls the API and checks the response against the OpenAPI document. */
  // biome-ignore lint/suspicious/noExplicitAny: tests read response bodies freely
  call<T = any>(method: string, path: string, opts?: CallOptions): Promise<CheckedResponse<T>>;
  /** Stops the server and its client and starts new ones on the same NATS (same options). */
  restart(): Promise<void>;
  /** Another server (with its own client) on the same NATS. */
  another(server?: Partial<ServerOptions>, client?: Partial<ClientOptions>): Promise<ApiPeer>;
  close(): Promise<void>;
}

/** A second server on the same NATS (closed with the env). */
export type ApiPeer = Pick<ApiEnv, "client" | "server" | "url" | "logs" | "call">;

export interface ApiEnvOptions {
  /** Server options (the queue defaults to EMAIL, created for the test). */
  server?: Partial<ServerOptions>;
  client?: Partial<ClientOptions>;
  /** Reuse a NATS server. */
  nats?: NatsServer;
}

/** A function that calls a server at `url` with the contract check. */
export function caller(url: string): ApiEnv["call"] {
  return (method, path, opts = {}) => {
    const headers: Record<string, string> = { ...opts.headers };
    let body: string | undefined = opts.body;
    if (opts.json !== undefined) body = JSON.stringify(opts.json);
    if (body !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === "content-type")) {
      headers["content-type"] = "application/json";
    }
    return checkedFetch(`${url}${path}`, { method, headers, body, ...opts.init });
  };
}

async function serve(
  natsUrl: string,
  server: Partial<ServerOptions>,
  client: Partial<ClientOptions>,
  logs: string[],
) {
  const c = await Client.connect({
    ...client,
    connection: { servers: natsUrl, reconnectForever: true, ...client.connection },
  });
  const log = createLogger({ write: (line) => logs.push(line) });
  const queue = server.queue ?? "EMAIL";
  if (!(await c.listQueues()).some((q) => q.name === queue))
    await c.createQueue({ name: queue, max_runtime: "1h" });
  const s = await startServer(c, { bind: "127.0.0.1:0", ...server, queue }, log);
  const scheme = server.tls?.cert ? "https" : "http";
  return { client: c, server: s, url: `${scheme}://127.0.0.1:${s.port}`, logs };
}

/** Starts NATS (unless given), a client and the server. */
export async function startApi(opts: ApiEnvOptions = {}): Promise<ApiEnv> {
  const nats = opts.nats ?? (await startNats());
  const logs: string[] = [];
  let cur = await serve(nats.url, opts.server ?? {}, opts.client ?? {}, logs);
  const others: { client: Client; server: ApiServer }[] = [];
  const env: ApiEnv = {
    nats,
    get client() {
      return cur.client;
    },
    get server() {
      return cur.server;
    },
    get url() {
      return cur.url;
    },
    logs,
    call: (method, path, o) => caller(cur.url)(method, path, o),
    async restart() {
      await cur.server.close();
      await cur.client.close();
      cur = await serve(
        nats.url,
        { ...opts.server, bind: `127.0.0.1:${cur.server.port}` },
        opts.client ?? {},
        logs,
      );
    },
    async another(server = {}, client = {}) {
      const o = await serve(nats.url, { ...opts.server, ...server }, { ...opts.client, ...client }, []);
      others.push(o);
      return { ...o, call: caller(o.url) };
    },
    async close() {
      for (const o of [...others, cur]) {
        await o.server.close().catch(() => {});
        await o.client.close().catch(() => {});
      }
      if (!opts.nats) await nats.close();
    },
  };
  return env;
}

interface ErrorBody {
  error?: { code?: string; details?: { reason?: string; field?: string } };
}

/** Asserts an error response: its status, its reason and, when given, the field to blame. */
export function expectError(
  r: { status: number; body: unknown },
  status: number,
  reason: string,
  field?: string,
) {
  const e = (r.body as ErrorBody | null)?.error;
  expect({ status: r.status, reason: e?.details?.reason }).toEqual({ status, reason });
  if (field !== undefined) expect(e?.details?.field).toBe(field);
}
