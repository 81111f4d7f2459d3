/**
 * The NATS connection's socket writes, once per turn of the event loop.
 *
 * The NATS client queues every protocol command and writes the queue in a microtask. A server
 * answers each HTTP request in its own turn of the event loop (and a worker each finished task),
 * and a microtask runs before the next turn, so every request got its own socket write (one
 * `write(2)` in ajc, one read and wake-up in nats-server) even when many requests were under way
 * at once. This transport is the client's own Node transport with `send` deferred to the end of
 * the turn (`setImmediate`): the frames of every request handled in one turn go out in one write.
 * A lone request is not delayed: its turn ends right after it (measured: no change in latency at
 * one connection). Large bursts are written at once (`FLUSH_BYTES`), as the client itself does.
 *
 * The client has no option for this; `@nats-io/nats-core/internal` exports the transport factory
 * that transports (Node, Deno, WebSocket) plug into, and `connectNats` uses it exactly as
 * `@nats-io/transport-node`'s `connect` does, with this transport instead of `NodeTransport`.
 * The factory is global to the process: a connection opened meanwhile by transport-node's own
 * `connect` (tests, the benchmark's library ceiling) gets the stock transport, which is correct,
 * only not coalesced.
 */
import type { NatsConnection } from "@nats-io/nats-core";
import { hasWsProtocol, NatsConnectionImpl, setTransportFactory } from "@nats-io/nats-core/internal";
import type { NodeConnectionOptions } from "@nats-io/transport-node";
import { NodeTransport, nodeResolveHost } from "@nats-io/transport-node/lib/node_transport";

/** Pending bytes that are written at once instead of at the end of the turn (the client's own threshold). */
export const FLUSH_BYTES = 32 * 1024;

/** `NodeTransport` whose writes are gathered per event-loop turn. */
export class CoalescingTransport extends NodeTransport {
  #frames: Uint8Array[] = [];
  #size = 0;
  #scheduled = false;
  readonly #onTurnEnd = () => {
    this.#scheduled = false;
    this.flushFrames();
  };

  override send(frame: Uint8Array): void {
    this.#frames.push(frame);
    this.#size += frame.length;
    if (this.#size >= FLUSH_BYTES) {
      this.flushFrames();
    } else if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(this.#onTurnEnd);
    }
  }

  /** Writes what is pending now, as one frame. */
  flushFrames(): void {
    if (this.#frames.length === 0) return;
    const frame = this.#frames.length === 1 ? this.#frames[0]! : Buffer.concat(this.#frames, this.#size);
    this.#frames = [];
    this.#size = 0;
    super.send(frame);
  }

  override close(err?: Error): Promise<void> {
    this.flushFrames();
    return super.close(err);
  }

  override disconnect(): void {
    this.flushFrames();
    super.disconnect();
  }
}

/** transport-node's `connect`, with `CoalescingTransport`. */
export function connectNats(opts: NodeConnectionOptions): Promise<NatsConnection> {
  if (hasWsProtocol(opts)) {
    return Promise.reject(new Error("servers: websocket URLs are not supported, use nats:// or tls://"));
  }
  setTransportFactory({ factory: () => new CoalescingTransport(), dnsResolveFn: nodeResolveHost });
  return NatsConnectionImpl.connect(opts);
}
