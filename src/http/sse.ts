/**
 * One Server-Sent Events response: headers that keep proxies from buffering it, events, heartbeat
 * comments, and a bounded send buffer. A client that does not read what it is sent fills the
 * response's buffer (`writableLength`); past `maxBufferBytes`, or when the buffer has not drained
 * within the caller's time (see `drained`), the stream is cut with a final `end` event saying
 * why, so an unread stream costs at most that much memory. A client that
 * never reads even the final event is disconnected after `endGraceMs`.
 */
import type { ServerResponse } from "node:http";

/** Why a stream ended, as the final `end` event's `reason` says. */
export type EndReason = "slow_client" | "server_shutdown" | "storage_failed";

/** How a stream behaves. */
export interface EventStreamOptions {
  /** Unsent bytes allowed before the client is cut off as too slow. */
  maxBufferBytes: number;
  /** A `: heartbeat` comment is sent after this long without anything else sent. */
  heartbeatMs: number;
  /** How long the final event may take to reach the client before the connection is closed. */
  endGraceMs?: number;
  /** Told once when the server ends the stream (not when the client leaves). */
  onEnd?: (reason: EndReason) => void;
}

/** How long a cut-off client gets to read the final event by default. */
export const END_GRACE_MS = 5_000;
/** What EventSource clients are told to wait before reconnecting. */
export const RETRY_MS = 2_000;

/** Frames one event. `data` is a single line of JSON. */
export function frameEvent(event: string, id: number | undefined, data: string): string {
  return `event: ${event}\n${id === undefined ? "" : `id: ${id}\n`}data: ${data}\n\n`;
}

export class EventStream {
  #ended = false;
  #lastWrite = performance.now();
  readonly #heartbeat: ReturnType<typeof setInterval>;
  /** Resolves when the response is closed, whoever closed it. */
  readonly closed: Promise<void>;

  constructor(
    private readonly res: ServerResponse,
    private readonly opts: EventStreamOptions,
  ) {
    this.closed = new Promise((resolve) => res.once("close", () => resolve()));
    res.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache, no-transform",
      // nginx buffers proxied answers unless told not to; this tells it for this response.
      "x-accel-buffering": "no",
    });
    res.flushHeaders();
    this.#write(`retry: ${RETRY_MS}\n\n`);
    const tick = Math.max(10, Math.floor(opts.heartbeatMs / 2));
    this.#heartbeat = setInterval(() => {
      if (performance.now() - this.#lastWrite >= opts.heartbeatMs) this.#write(": heartbeat\n\n");
    }, tick);
    this.#heartbeat.unref?.();
    void this.closed.then(() => this.#stopTimers());
  }

  /** True once the stream has ended or the client has gone. */
  get done(): boolean {
    return this.#ended || this.res.destroyed;
  }

  /** Sends one event; false when the stream is done (ended, gone, or just cut off as too slow). */
  send(event: string, id: number | undefined, data: string): boolean {
    if (this.done) return false;
    const waiting = this.res.writableLength;
    this.#write(frameEvent(event, id, data));
    // One event larger than the whole allowance still goes to a client that has read the rest.
    if (waiting > 0 && this.res.writableLength > this.opts.maxBufferBytes) {
      this.cutOff();
      return false;
    }
    return true;
  }

  /** Ends the stream because its client does not read what it is sent. */
  cutOff(id?: number): void {
    this.end("slow_client", "the client did not read events fast enough; reconnect with Last-Event-ID", id);
  }

  /** True while the client has unread data waiting: the caller should wait for `drained`. */
  get backlogged(): boolean {
    return this.res.writableNeedDrain;
  }

  /**
   * Resolves true when the buffer has drained or the stream is done, false when `timeoutMs`
   * passed first (the client is not reading).
   */
  drained(timeoutMs: number): Promise<boolean> {
    if (!this.res.writableNeedDrain || this.done) return Promise.resolve(true);
    return new Promise((resolve) => {
      const finish = (ok: boolean) => {
        clearTimeout(timer);
        this.res.off("drain", onDrain);
        this.res.off("close", onDrain);
        resolve(ok);
      };
      const onDrain = () => finish(true);
      const timer = setTimeout(() => finish(false), timeoutMs);
      this.res.on("drain", onDrain);
      this.res.on("close", onDrain);
    });
  }

  /** Ends the stream with a final `end` event (`id` keeps the client's cursor). */
  end(reason: EndReason, message: string, id?: number): void {
    if (this.done) return;
    this.#ended = true;
    this.#stopTimers();
    this.opts.onEnd?.(reason);
    this.res.end(frameEvent("end", id, JSON.stringify({ reason, message })));
    const grace = setTimeout(() => this.res.destroy(), this.opts.endGraceMs ?? END_GRACE_MS);
    grace.unref?.();
    this.res.once("close", () => clearTimeout(grace));
  }

  #write(text: string): void {
    if (this.res.destroyed) return;
    this.#lastWrite = performance.now();
    this.res.write(text);
  }

  #stopTimers(): void {
    clearInterval(this.#heartbeat);
  }
}
