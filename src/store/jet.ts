/** The JetStream handles every store module shares, made once per connection. */
import { type JetStreamClient, type JetStreamManager, jetstream, jetstreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/nats-core";
import { toAjcError } from "./errors.ts";
import { Outbox } from "./outbox.ts";
import { AckedPublisher } from "./publisher.ts";

export interface Jet {
  nc: NatsConnection;
  js: JetStreamClient;
  jsm: JetStreamManager;
  /** Acknowledged publishes on the hot paths (task saves, work items): see publisher.ts. */
  pub: AckedPublisher;
  /** The hot paths' publishes, gathered per event-loop turn: see outbox.ts. */
  outbox: Outbox;
}

/** JetStream API timeout: long enough for a busy server, short enough that callers get 503s quickly. */
export const JS_TIMEOUT_MS = 5000;

export async function openJet(nc: NatsConnection): Promise<Jet> {
  try {
    const jsm = await jetstreamManager(nc, { timeout: JS_TIMEOUT_MS });
    const outbox = new Outbox(nc);
    return {
      nc,
      js: jetstream(nc, { timeout: JS_TIMEOUT_MS }),
      jsm,
      pub: new AckedPublisher(nc, JS_TIMEOUT_MS, outbox),
      outbox,
    };
  } catch (err) {
    throw toAjcError(err, `JetStream at ${nc.getServer()}`);
  }
}
