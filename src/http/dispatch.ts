/**
 * From a raw request to a handler and back: the browser guard (403 for a Host or Origin it refuses,
 * before routing, so every path has it; 415 for a body not declared JSON; see browser.ts) and the
 * security headers every answer carries, routing (404/405 in the envelope), the body guard, the
 * read and write deadlines (enforced by Connections' sweep), turning thrown errors into the envelope, and the one log line per
 * request. Unexpected errors are logged with their cause; the client gets only "internal".
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { AjcError } from "../core/errors.ts";
import type { Logger } from "../core/log.ts";
import { discardBody, hasBody, RequestAbortedError, readBody } from "./body.ts";
import { API_SECURITY_HEADERS, type BrowserGuard, contentTypeRefusal, refusal } from "./browser.ts";
import type { Connections } from "./connections.ts";
import type { Handler } from "./context.ts";
import { envelopeOf, isUnexpected } from "./envelope.ts";
import { logRequest } from "./log.ts";
import { type HttpMetrics, UNMATCHED_ROUTE } from "./metrics.ts";
import { isAnswered, sendError } from "./respond.ts";
import type { Router } from "./router.ts";

/** Limits applied to every request. */
export interface RequestLimits {
  maxBodyBytes: number;
  /** Time to receive the whole body. */
  readTimeoutMs: number;
  /** Time to produce the whole response. */
  writeTimeoutMs: number;
}

/** Logged as the status of a request whose client left before any answer. */
export const STATUS_CLIENT_GONE = 499;

const EMPTY: Buffer = Buffer.alloc(0);

/** The security headers as raw header lines, for the answers written straight to the socket. */
const RAW_SECURITY_HEADERS = Object.entries(API_SECURITY_HEADERS)
  .map(([name, value]) => `${name}: ${value}\r\n`)
  .join("");

/**
 * Methods whose routes take no body. A body sent with one anyway is not read (so it cannot be
 * "too large" for an operation that has no body) and is dropped after the answer, as for 404/405.
 */
const BODILESS_METHODS: ReadonlySet<string> = new Set(["GET", "HEAD", "DELETE"]);

function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = err.cause instanceof Error ? ` (cause: ${err.cause.message})` : "";
  return `${err.message}${cause}`;
}

/** Builds the request listener. */
export function dispatcher(
  router: Router<Handler>,
  limits: RequestLimits,
  connections: Connections,
  log: Logger,
  guard: BrowserGuard,
  metrics?: HttpMetrics,
): (req: IncomingMessage, res: ServerResponse) => void {
  const securityHeaders = Object.entries(API_SECURITY_HEADERS);
  return (req, res) => {
    const started = performance.now();
    const socket = req.socket as Socket;
    const deadlines = connections.requestStarted(socket, res, started + limits.writeTimeoutMs);
    const method = req.method ?? "GET";
    const url = req.url ?? "/";
    const q = url.indexOf("?");
    const path = q < 0 ? url : url.slice(0, q);

    /** The route pattern, once routing found one (the metrics' label). */
    let route: string | undefined;
    const finish = () => {
      if (deadlines.ended) return;
      const now = performance.now();
      connections.requestEnded(deadlines, now);
      const status = res.headersSent ? res.statusCode : STATUS_CLIENT_GONE;
      logRequest(log, method, path, status, now - started);
      if (metrics) {
        // A request refused before routing (403) is still labelled with the route it asked for.
        if (route === undefined) {
          const found = router.lookup(method, path);
          route = found.kind === "found" ? found.pattern : UNMATCHED_ROUTE;
        }
        metrics.request(route, method, status, now - started);
      }
    };
    res.once("finish", finish);
    res.once("close", finish);

    const fail = (err: unknown) => {
      if (err instanceof RequestAbortedError) {
        res.destroy();
        return;
      }
      if (isUnexpected(err)) log.error("request failed", { method, path, error: describe(err) });
      if (isAnswered(res)) {
        // Too late for an envelope: the client must not mistake a partial answer for a whole one.
        if (!res.writableEnded) res.destroy();
        return;
      }
      sendError(res, err);
      if (unread || (err instanceof AjcError && err.reason === "payload_too_large")) discardBody(req);
    };
    /** A body the route has no use for (GET, HEAD, DELETE): dropped after the answer, never read. */
    let unread = false;

    const run = async () => {
      for (const [name, value] of securityHeaders) res.setHeader(name, value);
      const refused = refusal(req, method, guard);
      if (refused) {
        sendError(res, refused);
        if (hasBody(req)) discardBody(req);
        return;
      }
      const found = router.lookup(method, path);
      if (found.kind !== "found") {
        if (found.kind === "not_found") {
          sendError(res, new AjcError("not_found", `no such path: ${path}`));
        } else {
          sendError(res, new AjcError("method_not_allowed", `${method} is not allowed on ${path}`), {
            allow: found.allow.join(", "),
          });
        }
        if (hasBody(req)) discardBody(req);
        return;
      }
      route = found.pattern;
      let body: Buffer = EMPTY;
      unread = hasBody(req) && BODILESS_METHODS.has(method);
      if (hasBody(req) && !unread) {
        const notJson = contentTypeRefusal(req);
        if (notJson) {
          sendError(res, notJson);
          discardBody(req);
          return;
        }
        deadlines.readWithin(limits.readTimeoutMs);
        try {
          body = await readBody(req, limits.maxBodyBytes);
        } finally {
          deadlines.readDone();
        }
      }
      await found.handler({
        req,
        res,
        params: found.params,
        query: q < 0 ? "" : url.slice(q + 1),
        body,
        extendDeadline(ms) {
          deadlines.extendWrite(ms);
        },
      });
      if (unread) discardBody(req);
    };
    run().catch(fail);
  };
}

/**
 * Answers a CONNECT request. The runtime hands CONNECT to the server's `connect` event with the raw
 * socket (and, without a listener, closes the connection without a word); we serve no tunnels, so
 * it gets what any other unknown method gets: 405 with `Allow` on a known path, 404 elsewhere.
 */
export function answerConnect(
  router: Router<Handler>,
  req: IncomingMessage,
  socket: Socket,
  log: Logger,
): void {
  const started = performance.now();
  const url = req.url ?? "/";
  const q = url.indexOf("?");
  const path = q < 0 ? url : url.slice(0, q);
  const found = router.lookup("CONNECT", path);
  const allow = found.kind === "method_not_allowed" ? found.allow.join(", ") : undefined;
  const err = allow
    ? new AjcError("method_not_allowed", `CONNECT is not allowed on ${path}`)
    : new AjcError("not_found", `no such path: ${path}`);
  const { status, body } = envelopeOf(err);
  const reason = status === 405 ? "Method Not Allowed" : "Not Found";
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\n${allow ? `Allow: ${allow}\r\n` : ""}Content-Type: application/json\r\n${RAW_SECURITY_HEADERS}Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
  logRequest(log, "CONNECT", path, status, performance.now() - started);
}

/** A request line longer than this in a head over the parser's limit makes the answer 414, not 431. */
export const URI_TOO_LONG_BYTES = 8_192;

/** Which status a refused head gets: 414 when its request line is the long part, else 431. */
function overflowStatus(rawPacket: unknown): string {
  if (!Buffer.isBuffer(rawPacket)) return "431 Request Header Fields Too Large";
  const eol = rawPacket.indexOf(0x0a);
  return eol < 0 || eol > URI_TOO_LONG_BYTES ? "414 URI Too Long" : "431 Request Header Fields Too Large";
}

/**
 * Answers a request the HTTP parser refused (malformed, or a head over the parser's limit) with the
 * envelope, then closes the connection: 414 for a request line too long, 431 for a head too large,
 * 400 otherwise.
 */
export function answerClientError(
  err: Error & { code?: string; rawPacket?: unknown },
  socket: Socket,
  log: Logger,
): void {
  const tooLarge = err.code === "HPE_HEADER_OVERFLOW";
  log.warn("malformed request refused", { error: err.code ?? "unknown" });
  if (!socket.writable) {
    // Already ending: an answer (to the head that parsed, say an HTTP/1.0 request whose body is
    // malformed) may still be on its way out. Destroying now would drop it; close once it is out.
    if (socket.destroyed || socket.writableFinished) socket.destroy();
    else socket.once("finish", () => socket.destroy());
    return;
  }
  const status = tooLarge ? overflowStatus(err.rawPacket) : "400 Bad Request";
  const message = !tooLarge
    ? "malformed HTTP request"
    : status.startsWith("414")
      ? "request target (URL) too long"
      : "request head too large";
  const { body } = envelopeOf(new AjcError("invalid_argument", message));
  socket.end(
    `HTTP/1.1 ${status}\r\nContent-Type: application/json\r\n${RAW_SECURITY_HEADERS}Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
