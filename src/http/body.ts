/**
 * The max-bytes guard on request bodies. A body announced by Content-Length (and no
 * Transfer-Encoding) over the limit is refused before a byte is read; any other body is counted as
 * it streams and reading stops at the limit. Either way the answer is `payload_too_large`; the rest
 * of the body is then dropped (see `discardBody`), never buffered.
 */
import type { IncomingMessage } from "node:http";
import { AjcError } from "../core/errors.ts";

/** The default limit, 512 KiB. */
export const DEFAULT_MAX_BODY_BYTES = 524_288;
/** How much of a refused body is read and dropped before the connection is closed instead. */
export const DISCARD_MAX_BYTES = 4 * 1024 * 1024;
/** How long a refused body is read and dropped before the connection is closed instead. */
export const DISCARD_MAX_MS = 2_000;

/** How long a connection closed over a refused body is still read from before it is dropped. */
export const DISCARD_LINGER_MS = 1_000;

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

/**
 * Reads and drops what is left of a body the server will not use, after answering. Closing a
 * connection with unread data makes TCP reset it, and the client (a proxy still sending, say) may
 * lose the answer; so the rest is drained, and only a body that goes on past `maxBytes` or `maxMs`
 * gets the connection closed. A body drained to its end leaves the connection usable.
 */
export function discardBody(
  req: IncomingMessage,
  maxBytes = DISCARD_MAX_BYTES,
  maxMs = DISCARD_MAX_MS,
): void {
  if (req.complete) return;
  let seen = 0;
  const close = () => {
    cleanup();
    // Half-close first: the answer goes out with a FIN, and what the client still sends is read
    // and dropped for a moment. Destroying at once resets the connection, and a reset can make the
    // client's TCP throw away the answer before the client has read it.
    const socket = req.socket;
    socket.end();
    setTimeout(() => socket.destroy(), DISCARD_LINGER_MS).unref?.();
  };
  const onData = (chunk: Buffer) => {
    seen += chunk.length;
    if (seen > maxBytes) close();
  };
  const timer = setTimeout(close, maxMs);
  const cleanup = () => {
    clearTimeout(timer);
    req.off("data", onData);
    req.off("end", cleanup);
    req.off("close", cleanup);
  };
  req.on("data", onData);
  req.once("end", cleanup);
  req.once("close", cleanup);
  req.resume();
}
