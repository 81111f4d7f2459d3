/**
 * Connection bookkeeping: the header timeout for new connections, the idle timeout between
 * requests, the read and write deadlines of each request, and what graceful shutdown needs (which
 * sockets are idle, when the last request has finished). Bun's node:http does not enforce
 * `headersTimeout` or `requestTimeout`, so we do it here.
 *
 * No timer per request or per connection (arming and clearing them was a measurable share of a
 * request's CPU): each holds only its deadlines (`performance.now()` ms), and one sweep, running
 * while there are connections, enforces them. A limit fires up to one sweep interval late, never
 * early; the interval is a quarter of the shortest limit, at most `MAX_SWEEP_MS` (250ms).
 */
import type { Server, ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { AjcError } from "../core/errors.ts";
import { isAnswered, sendError } from "./respond.ts";

export interface ConnectionTimeouts {
  /** Time for a new connection to deliver its first request head. */
  headersMs: number;
  /** Time a kept-alive connection may sit between requests. */
  idleMs: number;
}

/** The longest pause between two sweeps. */
export const MAX_SWEEP_MS = 250;

/** One request under way: its response and its deadlines. */
export class RequestDeadlines {
  /** When the response must be complete (performance.now ms). */
  writeAt: number;
  /** When the body must have been read; Infinity while no body is being read. */
  readAt = Number.POSITIVE_INFINITY;
  /** Set once the request has ended. */
  ended = false;

  constructor(
    readonly res: ServerResponse,
    readonly socket: Socket,
    writeAt: number,
  ) {
    this.writeAt = writeAt;
  }

  /** Moves the write deadline to `ms` from now. */
  extendWrite(ms: number): void {
    this.writeAt = performance.now() + ms;
  }

  /** The body must be read within `ms` from now, or the connection is closed. */
  readWithin(ms: number): void {
    this.readAt = performance.now() + ms;
  }

  /** The body has been read (or given up on). */
  readDone(): void {
    this.readAt = Number.POSITIVE_INFINITY;
  }
}

interface SocketState {
  /** Requests under way on this socket. */
  requests: Set<RequestDeadlines>;
  /** While no request is under way: when the socket is closed (header or idle timeout). */
  closeAt: number;
}

/**
 * Said when the write deadline passes. The handler is still waiting on storage and may yet succeed
 * (an enqueue whose publish is merely slow), so this is not `storage_not_ready` ("nothing was
 * done, retry"): the outcome is unknown, and a retry is only safe with the same Idempotency-Key.
 */
export const WRITE_TIMEOUT_MESSAGE =
  "storage did not answer within the server's write timeout: the outcome is unknown, the request may still take effect; retry with the same Idempotency-Key";

/** What a request past its write deadline gets: 504 if nothing was sent yet, else the connection closed. */
function writeDeadlinePassed(res: ServerResponse): void {
  if (!isAnswered(res)) {
    sendError(res, new AjcError("storage_timeout", WRITE_TIMEOUT_MESSAGE), { connection: "close" });
  } else {
    res.destroy();
  }
}

export class Connections {
  readonly #states = new Map<Socket, SocketState>();
  readonly #sweepMs: number;
  #sweeper: ReturnType<typeof setInterval> | undefined;
  #active = 0;
  #closing = false;
  #drained: (() => void) | undefined;

  /** `shortestLimitMs`: the shortest request limit (read, write) besides the connection timeouts. */
  constructor(
    private readonly timeouts: ConnectionTimeouts,
    shortestLimitMs = Number.POSITIVE_INFINITY,
  ) {
    const shortest = Math.min(timeouts.headersMs, timeouts.idleMs, shortestLimitMs);
    this.#sweepMs = Math.max(10, Math.min(MAX_SWEEP_MS, Math.floor(shortest / 4)));
  }

  /** Starts tracking the server's connections (plain and TLS). */
  attach(server: Server): void {
    // The runtime's own keep-alive timer must not close connections before ours does.
    server.keepAliveTimeout = this.timeouts.idleMs;
    const onSocket = (socket: Socket) => this.#track(socket);
    server.on("connection", onSocket);
    server.on("secureConnection", onSocket);
  }

  /** Requests being handled right now. */
  get active(): number {
    return this.#active;
  }

  /** How often deadlines are checked. */
  get sweepMs(): number {
    return this.#sweepMs;
  }

  /**
   * Marks a request as started on its socket, due to be answered by `writeAt` (performance.now
   * ms); call `requestEnded` once it has ended.
   */
  requestStarted(socket: Socket, res: ServerResponse, writeAt: number): RequestDeadlines {
    const st = this.#track(socket);
    const r = new RequestDeadlines(res, socket, writeAt);
    st.requests.add(r);
    st.closeAt = Number.POSITIVE_INFINITY;
    if (this.#closing) res.setHeader("connection", "close");
    this.#active++;
    return r;
  }

  /** Ends a request (once; later calls do nothing). `now` is performance.now(). */
  requestEnded(r: RequestDeadlines, now: number): void {
    if (r.ended) return;
    r.ended = true;
    this.#active--;
    const st = this.#states.get(r.socket);
    if (st) {
      st.requests.delete(r);
      if (st.requests.size === 0 && !r.socket.destroyed) {
        if (this.#closing) r.socket.destroy();
        else st.closeAt = now + this.timeouts.idleMs;
      }
    }
    if (this.#active === 0) this.#drained?.();
  }

  /**
   * Begins shutdown: idle connections are closed now, busy ones as soon as their request ends.
   * Resolves when no request is running or after `graceMs`, then closes whatever is left.
   */
  async shutdown(graceMs: number): Promise<void> {
    this.#closing = true;
    for (const [socket, st] of this.#states) {
      if (st.requests.size === 0) socket.destroy();
      // Tell clients of requests still running not to reuse the connection.
      for (const r of st.requests) if (!r.res.headersSent) r.res.setHeader("connection", "close");
    }
    if (this.#active > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, graceMs);
        this.#drained = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    for (const socket of this.#states.keys()) socket.destroy();
    this.#stopSweeping();
  }

  #track(socket: Socket): SocketState {
    let st = this.#states.get(socket);
    if (st) return st;
    st = { requests: new Set(), closeAt: performance.now() + this.timeouts.headersMs };
    this.#states.set(socket, st);
    if (this.#closing) {
      socket.destroy();
      return st;
    }
    socket.once("close", () => {
      this.#states.delete(socket);
      if (this.#states.size === 0) this.#stopSweeping();
    });
    if (this.#sweeper === undefined) {
      this.#sweeper = setInterval(() => this.#sweep(), this.#sweepMs);
      this.#sweeper.unref?.();
    }
    return st;
  }

  #stopSweeping(): void {
    if (this.#sweeper !== undefined) clearInterval(this.#sweeper);
    this.#sweeper = undefined;
  }

  /** Enforces every deadline that has passed. */
  #sweep(): void {
    const now = performance.now();
    for (const [socket, st] of this.#states) {
      if (st.requests.size === 0) {
        if (now >= st.closeAt) socket.destroy();
        continue;
      }
      for (const r of st.requests) {
        if (now >= r.readAt) {
          r.readDone();
          socket.destroy();
        } else if (now >= r.writeAt) {
          r.writeAt = Number.POSITIVE_INFINITY;
          writeDeadlinePassed(r.res);
        }
      }
    }
  }
}
