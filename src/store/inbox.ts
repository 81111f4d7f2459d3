/** Reply subjects under the connection's configured inbox prefix. */
import { createInbox, type NatsConnection } from "@nats-io/nats-core";
import { inboxPrefixOf } from "./connection.ts";

/**
 * A fresh inbox subject under the prefix the connection was opened with (accounts often allow
 * replies only under it); `openConnection` records the prefix, as the connection does not show it.
 */
export function inboxFor(nc: NatsConnection): string {
  return createInbox(inboxPrefixOf(nc));
}
