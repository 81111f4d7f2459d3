/** What a route handler gets: the request, its parameters and body, and the server's dependencies. */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Client } from "../client.ts";
import type { Logger } from "../core/log.ts";
import type { HttpMetrics } from "./metrics.ts";

/** A route handler. It answers through `ctx.res`; a thrown error becomes the envelope. */
export type Handler = (ctx: RequestContext) => Promise<void> | void;

/** One request as a handler sees it. */
export interface RequestContext {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  /** Decoded path parameters (`{id}` → `params.id`). */
  readonly params: Record<string, string>;
  /** The raw query string, without `?` ("" when none). */
  readonly query: string;
  /** The body, read under the max-bytes guard (empty when there is none). */
  readonly body: Buffer;
  /** Replaces the write deadline of this request: streams that legitimately run long. */
  extendDeadline(ms: number): void;
}

/** How clients are admitted, as `/v1/info` reports it. */
export type AuthMode = "none" | "mtls";

/** Everything the routes share, fixed at start-up. */
export interface ApiDeps {
  client: Client;
  /** The queue tasks go to when a request names none. */
  queue: string;
  /** Whether `POST /v1/queues` may create `DEFAULT`. */
  allowCreateDefault: boolean;
  auth: AuthMode;
  log: Logger;
  /** The server's Prometheus series (kept whether or not `--monitor` serves them). */
  metrics: HttpMetrics;
}
