/**
 * HTTP over a bare TCP socket, for what fetch cannot do: bodies that lie about their size or never
 * end, headers dribbled byte by byte, pauses. Records the first response and whether (and when) the
 * server closed the connection.
 */
import { connect } from "node:net";

/** A step: bytes to send, or a pause in ms. */
export type RawStep = string | { sleep: number };

export interface RawResult {
  /** Status of the first response, undefined when none came. */
  status?: number;
  headers: Record<string, string>;
  /** The first response's body (Content-Length or chunked), when complete. */
  body: string;
  /** Everything received. */
  raw: string;
  /** True when the server closed the connection before `waitMs` ran out. */
  closedByServer: boolean;
  /** Milliseconds from connecting to the close (or to the end of waiting). */
  elapsedMs: number;
  /** Milliseconds from connecting to a complete first response (with Content-Length), if one came. */
  responseMs?: number;
}

function parse(raw: string): Pick<RawResult, "status" | "headers" | "body"> {
  const end = raw.indexOf("\r\n\r\n");
  if (end < 0) return { headers: {}, body: "" };
  const [statusLine, ...lines] = raw.slice(0, end).split("\r\n");
  const headers: Record<string, string> = {};
  for (const l of lines) {
    const i = l.indexOf(":");
    headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
  }
  let rest = raw.slice(end + 4);
  let body = "";
  if (headers["content-length"] !== undefined) body = rest.slice(0, Number(headers["content-length"]));
  else if (headers["transfer-encoding"] === "chunked") {
    for (;;) {
      const eol = rest.indexOf("\r\n");
      const size = Number.parseInt(rest.slice(0, eol), 16);
      if (!(size > 0)) break;
      body += rest.slice(eol + 2, eol + 2 + size);
      rest = rest.slice(eol + 2 + size + 2);
    }
  }
  return { status: Number(statusLine?.split(" ")[1]), headers, body };
}

/**
 * Sends the steps on a fresh connection, then waits up to `waitMs` for the server to close it.
 * With `stopOnResponse`, returns as soon as a complete first response has arrived.
 */
export function rawHttp(
  port: number,
  steps: RawStep[],
  opts: { waitMs?: number; stopOnResponse?: boolean } = {},
): Promise<RawResult> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    let raw = "";
    let settled = false;
    let responseMs: number | undefined;
    const socket = connect(port, "127.0.0.1");
    socket.setEncoding("latin1");
    const finish = (closedByServer: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ ...parse(raw), raw, closedByServer, elapsedMs: Date.now() - started, responseMs });
    };
    const timer = setTimeout(() => finish(false), opts.waitMs ?? 5_000);
    socket.on("data", (d: string) => {
      raw += d;
      if (responseMs !== undefined) return;
      const p = parse(raw);
      const len = p.headers["content-length"];
      if (p.status !== undefined && len !== undefined && p.body.length >= Number(len)) {
        responseMs = Date.now() - started;
        if (opts.stopOnResponse) finish(false);
      }
    });
    socket.on("close", () => finish(true));
    socket.on("error", (err) => {
      if (!settled && raw === "") reject(err);
    });
    socket.on("connect", async () => {
      for (const step of steps) {
        if (settled || socket.destroyed) return;
        if (typeof step === "string") socket.write(step);
        else await Bun.sleep(step.sleep);
      }
    });
  });
}
