/** A library client on a private NATS server, for integration tests. */
import { Client, type ClientOptions } from "../../src/client.ts";
import { type NatsServer, startNats } from "./nats.ts";

export interface TestEnv {
  nats: NatsServer;
  client: Client;
  /** Another client on the same server (extra options allowed). */
  connect(opts?: Partial<ClientOptions>): Promise<Client>;
  close(): Promise<void>;
}

export async function startTestEnv(opts: Partial<ClientOptions> = {}): Promise<TestEnv> {
  const nats = await startNats();
  const extra: Client[] = [];
  const connect = async (o: Partial<ClientOptions> = {}) => {
    const c = await Client.connect({ connection: { servers: nats.url }, ...opts, ...o });
    extra.push(c);
    return c;
  };
  const client = await connect();
  return {
    nats,
    client,
    connect,
    async close() {
      for (const c of extra) await c.close().catch(() => {});
      await nats.close();
    },
  };
}
