/** Writing responses: JSON with an exact Content-Length, empty ones, and the error envelope. */
import type { OutgoingHttpHeaders, ServerResponse } from "node:http";
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
