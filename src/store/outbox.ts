/**
 * Publishes on one connection gathered per turn of the event loop, on the client's public API.
 *
 * The NATS client writes what was queued once per microtask checkpoint: every `nc.publish` made
 * in one synchronous stretch goes out in one socket write, but a server answers each HTTP request
 * (and a worker each finished task) in its own turn of the event loop, so each got a write of its
 * own (one `write(2)` here, one read and wake-up in nats-server) even with many under way. The
 * hot paths (task saves, work items, events, acks, pull requests) hand their publishes to the
 * connection's outbox instead; at the end of the turn (`setImmediate`) it makes them, in order,
 * back to back, and the client writes them together. A lone request is not delayed: its turn ends
 * right after it.
 *
 * A publish the client refuses at that point (closed or draining connection, payload over the
 * server's limit) goes to its `onError`; call `flush` before draining the connection.
 */
import type { MsgHdrs, NatsConnection } from "@nats-io/nats-core";

/** How a publish failed when it was made. */
export type PublishFailed = (err: Error) => void;

export class Outbox {
  /** Pending publishes, four slots each: subject, data, options, onError. */
  #queue: unknown[] = [];
  #scheduled = false;
  readonly #onTurnEnd = () => {
    this.#scheduled = false;
    this.flush();
  };

  constructor(private readonly nc: NatsConnection) {}

  /** Publishes at the end of this turn. */
  publish(
    subject: string,
    data: Uint8Array | string,
    opts?: { reply?: string; headers?: MsgHdrs },
    onError?: PublishFailed,
  ): void {
    this.#queue.push(subject, data, opts, onError);
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(this.#onTurnEnd);
    }
  }

  /** Publishes pending right now. */
  get pending(): number {
    return this.#queue.length / 4;
  }

  /** Makes every pending publish now. */
  flush(): void {
    const q = this.#queue;
    if (q.length === 0) return;
    this.#queue = [];
    for (let i = 0; i < q.length; i += 4) {
      try {
        this.nc.publish(
          q[i] as string,
          q[i + 1] as Uint8Array | string,
          q[i + 2] as { reply?: string; headers?: MsgHdrs } | undefined,
        );
      } catch (err) {
        (q[i + 3] as PublishFailed | undefined)?.(err as Error);
      }
    }
  }
}
