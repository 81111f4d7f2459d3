/**
 * The max-bytes guard on request bodies. A body announced by Content-Length (and no
 * Transfer-Encoding) over the limit is refused before a byte is read; any other body is counted as
 * it streams and reading stops at the limit. Either way the answer is `payload_too_large`, and the
 * caller closes the connection after answering so the rest of the body is never read.
 */
import type { IncomingMessage } from "node:http";
import { AjcError } from "../core/errors.ts";

/** The default limit, 512 KiB. */
export const DEFAULT_MAX_BODY_BYTES = 524_288;

/** The client went away (or a timeout closed the connection) before the body was complete. */
export class RequestAbortedError extends Error {
  constructor() {
    super("request aborted before its body was read");
    this.name = "RequestAbortedError";
  }
}

const EMPTY: Buffer = Buffer.alloc(0);

function tooLarge(maxBytes: number): AjcError {
  return new AjcError("payload_too_large", `request body is larger than ${maxBytes} bytes`);
}

/** True when the request announces a body. */
export function hasBody(req: IncomingMessage): boolean {
  const cl = req.headers["content-length"];
  return req.headers["transfer-encoding"] !== undefined || (cl !== undefined && cl !== "0");
}

/** Reads the whole body, refusing more than `maxBytes`. */
export function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  if (req.headers["transfer-encoding"] === undefined) {
    const cl = req.headers["content-length"];
    if (cl === undefined) return Promise.resolve(EMPTY);
    const announced = Number(cl);
    if (announced > maxBytes) return Promise.reject(tooLarge(maxBytes));
    if (announced === 0) return Promise.resolve(EMPTY);
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = () => {
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("error", onGone);
      req.off("close", onGone);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        cleanup();
        req.pause();
        reject(tooLarge(maxBytes));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    };
    const onGone = () => {
      cleanup();
      reject(new RequestAbortedError());
    };
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("error", onGone);
    req.on("close", onGone);
  });
}
