/**
 * A plain NATS connection for tests that look at (or write) JetStream objects directly, the way the
 * Go library or an operator with the `nats` CLI would, bypassing our storage code.
 */
import { type JetStreamClient, type JetStreamManager, jetstream, jetstreamManager } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import type { NatsConnection } from "@nats-io/nats-core";
import { connect } from "@nats-io/transport-node";

export interface RawNats {
  nc: NatsConnection;
  js: JetStreamClient;
  jsm: JetStreamManager;
  kvm: Kvm;
  close(): Promise<void>;
}

export async function rawNats(url: string): Promise<RawNats> {
  const nc = await connect({ servers: url });
  const jsm = await jetstreamManager(nc);
  const js = jetstream(nc);
  return { nc, js, jsm, kvm: new Kvm(js), close: () => nc.close() };
}
