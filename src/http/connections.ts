/**
 * Connection bookkeeping: the header timeout for new and kept-alive connections, the idle timeout,
 * and what graceful shutdown needs (which sockets are idle, when the last request has finished).
 * Bun's node:http does not enforce `headersTimeout` or `requestTimeout`, so we do it here with
 * timers: a connection that has not delivered a complete request head in time is destroyed, and
 * a kept-alive one that sends no new request within the idle timeout is closed.
 */
import type { Server, ServerResponse } from "node:http";
import type { Socket } from "node:net";

export interface ConnectionTimeouts {
  /** Time for a new connection to deliver its first request head. */
  headersMs: number;
  /** Time a kept-alive connection may sit between requests. */
  idleMs: number;
}

interface SocketState {
  active: number;
  /** Responses under way on this socket. */
  responses: Set<ServerResponse>;
  timer: ReturnType<typeof setTimeout> | undefined;
}

export class Connections {
  readonly #states = new Map<Socket, SocketState>();
  #active = 0;
  #closing = false;
  #drained: (() => void) | undefined;

  constructor(private readonly timeouts: ConnectionTimeouts) {}

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

  /** Marks a request as started on its socket; call the returned function once it has ended. */
  requestStarted(socket: Socket, res: ServerResponse): () => void {
    const st = this.#track(socket);
    st.active++;
    st.responses.add(res);
    if (this.#closing) res.setHeader("connection", "close");
    this.#active++;
    if (st.timer !== undefined) clearTimeout(st.timer);
    st.timer = undefined;
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      st.active--;
      st.responses.delete(res);
      this.#active--;
      if (st.active === 0 && !socket.destroyed) {
        if (this.#closing) socket.destroy();
        else this.#arm(socket, st, this.timeouts.idleMs);
      }
      if (this.#active === 0) this.#drained?.();
    };
  }

  /**
   * Begins shutdown: idle connections are closed now, busy ones as soon as their request ends.
   * Resolves when no request is running or after `graceMs`, then closes whatever is left.
   */
  async shutdown(graceMs: number): Promise<void> {
    this.#closing = true;
    for (const [socket, st] of this.#states) {
      if (st.active === 0) socket.destroy();
      // Tell clients of requests still running not to reuse the connection.
      for (const res of st.responses) if (!res.headersSent) res.setHeader("connection", "close");
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
  }

  #track(socket: Socket): SocketState {
    let st = this.#states.get(socket);
    if (st) return st;
    st = { active: 0, responses: new Set(), timer: undefined };
    this.#states.set(socket, st);
    if (this.#closing) {
      socket.destroy();
      return st;
    }
    this.#arm(socket, st, this.timeouts.headersMs);
    socket.once("close", () => {
      const s = this.#states.get(socket);
      if (s?.timer !== undefined) clearTimeout(s.timer);
      this.#states.delete(socket);
    });
    return st;
  }

  /** Closes the socket unless a request starts on it within `ms`. */
  #arm(socket: Socket, st: SocketState, ms: number): void {
    if (st.timer !== undefined) clearTimeout(st.timer);
    st.timer = setTimeout(() => {
      if (st.active === 0) socket.destroy();
    }, ms);
    st.timer.unref?.();
  }
}
