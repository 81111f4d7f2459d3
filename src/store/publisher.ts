/**
 * JetStream publishes that wait for the stream's acknowledgement, without the client library's
 * per-request machinery. `js.publish` goes through `nc.request`, which for every publish makes a
 * request object, a promise, a timer and, even when the answer arrives, an Error (with its stack
 * trace) to cancel the request; with two publishes per enqueue that was a tenth of the HTTP
 * server's CPU.
 *
 * Here every publish carries a reply subject under one inbox subscription of our own; answers are
 * matched by a counter token, and one sweep (running only while publishes are pending) fails those
 * not answered within the timeout. Only the client's public API is used: publishes go out through
 * the connection's outbox (outbox.ts), and failures are the client's exported error types
 * (JetStreamApiError with the API error code, RequestError for "no responders" when no stream
 * holds the subject, JetStreamError for an unreadable answer, TimeoutError,
 * ClosedConnectionError), which errors.ts maps.
 */
import { JetStreamApiError, JetStreamError } from "@nats-io/jetstream";
import {
  type Msg,
  type MsgHdrs,
  type NatsConnection,
  errors as natsErrors,
  RequestError,
  type Subscription,
} from "@nats-io/nats-core";
import { inboxFor } from "./inbox.ts";
import { Outbox } from "./outbox.ts";

/** What the stream answered. */
export interface PublishAck {
  stream: string;
  seq: number;
  duplicate: boolean;
}

/** How often pending publishes are checked for their timeout. */
export const SWEEP_MS = 250;

interface Pending {
  resolve(ack: PublishAck): void;
  reject(err: Error): void;
  /** performance.now() ms after which it fails with a timeout. */
  deadline: number;
  subject: string;
}

const decoder = new TextDecoder();

/** The acknowledgement in `msg`, or the error it stands for (as the library reads it). */
export function readAck(msg: Msg, subject: string): PublishAck | Error {
  // A status message without a body: 503 is "no responders", no stream listens on the subject.
  if (msg.data.length === 0 && msg.headers?.hasError) {
    if (msg.headers.code === 503) {
      return new RequestError("no responders", { cause: new natsErrors.NoRespondersError(subject) });
    }
    return new RequestError(`${msg.headers.code} ${msg.headers.description}`.trim());
  }
  let v: {
    stream?: string;
    seq?: number;
    duplicate?: boolean;
    error?: ConstructorParameters<typeof JetStreamApiError>[0];
  };
  try {
    v = JSON.parse(decoder.decode(msg.data));
  } catch (err) {
    return new JetStreamError("invalid ack response", { cause: err });
  }
  if (v.error) return new JetStreamApiError(v.error);
  if (!v.stream) return new JetStreamError("invalid ack response");
  return { stream: v.stream, seq: v.seq ?? 0, duplicate: v.duplicate === true };
}

/** Publishes to JetStream and resolves with the stream's acknowledgement. One per connection. */
export class AckedPublisher {
  readonly #prefix: string;
  readonly #pending = new Map<string, Pending>();
  readonly #sub: Subscription;
  #next = 0;
  #sweeper: ReturnType<typeof setInterval> | undefined;
  #closed = false;

  /** `outbox`: the connection's (one is made when none is given). */
  constructor(
    nc: NatsConnection,
    private readonly timeoutMs: number,
    private readonly outbox: Outbox = new Outbox(nc),
  ) {
    this.#prefix = `${inboxFor(nc)}.`;
    this.#sub = nc.subscribe(`${this.#prefix}*`, {
      callback: (err, msg) => {
        if (!err) this.#answer(msg);
      },
    });
    void nc.closed().then(() => this.#failAll(new natsErrors.ClosedConnectionError()));
  }

  /** Publishes `data` on `subject` with `headers`; resolves with the acknowledgement. */
  publish(subject: string, data: Uint8Array | string, headers?: MsgHdrs): Promise<PublishAck> {
    if (this.#closed) return Promise.reject(new natsErrors.ClosedConnectionError());
    const token = (this.#next++).toString(36);
    return new Promise<PublishAck>((resolve, reject) => {
      this.#pending.set(token, { resolve, reject, deadline: performance.now() + this.timeoutMs, subject });
      this.outbox.publish(subject, data, { reply: this.#prefix + token, headers }, (err) => {
        this.#pending.delete(token);
        reject(err);
      });
      if (this.#sweeper === undefined) {
        this.#sweeper = setInterval(() => this.#sweep(), SWEEP_MS);
        this.#sweeper.unref?.();
      }
    });
  }

  /** Publishes pending right now. */
  get pending(): number {
    return this.#pending.size;
  }

  #answer(msg: Msg): void {
    const token = msg.subject.slice(this.#prefix.length);
    const p = this.#pending.get(token);
    if (!p) return;
    this.#pending.delete(token);
    const r = readAck(msg, p.subject);
    if (r instanceof Error) p.reject(r);
    else p.resolve(r);
  }

  #sweep(): void {
    if (this.#pending.size === 0) {
      clearInterval(this.#sweeper);
      this.#sweeper = undefined;
      return;
    }
    const now = performance.now();
    for (const [token, p] of this.#pending) {
      if (now < p.deadline) continue;
      this.#pending.delete(token);
      p.reject(new natsErrors.TimeoutError());
    }
  }

  #failAll(err: Error): void {
    this.#closed = true;
    clearInterval(this.#sweeper);
    this.#sweeper = undefined;
    for (const p of this.#pending.values()) p.reject(err);
    this.#pending.clear();
    try {
      this.#sub.unsubscribe();
    } catch {
      // already closed
    }
  }
}
