/** Reply subjects under the connection's configured inbox prefix. */
import { createInbox, type NatsConnection } from "@nats-io/nats-core";

/**
 * A fresh inbox subject under the prefix the connection was opened with (accounts often allow
 * replies only under it). The prefix is not part of the connection's public type, hence the cast.
 */
export function inboxFor(nc: NatsConnection): string {
  return createInbox((nc as { options?: { inboxPrefix?: string } }).options?.inboxPrefix);
}
