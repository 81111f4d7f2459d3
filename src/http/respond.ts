/**
 * Writing responses: JSON with an exact Content-Length, empty ones, the error envelope, and the
 * console's pages and assets (with the console's security headers).
 */
import type { OutgoingHttpHeaders, ServerResponse } from "node:http";
import { consoleHeaders } from "./browser.ts";
import { envelopeOf } from "./envelope.ts";

/** True once nothing more may be written (answered already, or the connection is gone). */
export function isAnswered(res: ServerResponse): boolean {
  return res.headersSent || res.writableEnded || res.destroyed;
}

/** Sends a JSON text with its status. */
export function sendJson(
  res: ServerResponse,
  status: number,
  json: string,
  headers?: OutgoingHttpHeaders,
): void {
  if (isAnswered(res)) return;
  res.writeHead(status, {
    ...headers,
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(json),
  });
  res.end(json);
}

/** Sends a status without a body (204, 202). */
export function sendEmpty(res: ServerResponse, status: number): void {
  if (isAnswered(res)) return;
  res.writeHead(status);
  res.end();
}

/** Sends the error envelope of `err` (see envelope.ts for how the status is chosen). */
export function sendError(res: ServerResponse, err: unknown, headers?: OutgoingHttpHeaders): void {
  const { status, body } = envelopeOf(err);
  sendJson(res, status, body, headers);
}

/**
 * Sends a page or asset of the browser console: its type, an exact Content-Length, and the
 * console's security headers (strict CSP without inline script, no framing, no referrer, no
 * sniffing; see browser.ts), which `headers` cannot weaken. Every HTML or asset answer goes
 * through here.
 */
export function sendAsset(
  res: ServerResponse,
  status: number,
  contentType: string,
  body: string | Buffer,
  headers?: OutgoingHttpHeaders,
): void {
  if (isAnswered(res)) return;
  res.writeHead(status, {
    ...headers,
    ...consoleHeaders(),
    "content-type": contentType,
    "content-length": Buffer.byteLength(body),
  });
  res.end(res.req.method === "HEAD" ? undefined : body);
}
