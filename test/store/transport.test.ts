/** The NATS transport that writes once per event-loop turn (src/store/transport.ts). */
import { afterAll, beforeAll, expect, test } from "bun:test";
import type { NatsConnection } from "@nats-io/nats-core";
import { openConnection } from "../../src/store/connection.ts";
import { CoalescingTransport, FLUSH_BYTES } from "../../src/store/transport.ts";
import { type NatsServer, startNats } from "../helpers/nats.ts";

/** A transport on a fake socket that records what is written. */
function fakeTransport(): { t: CoalescingTransport; writes: string[] } {
  const writes: string[] = [];
  const t = new CoalescingTransport();
  t.options = {};
  (t as unknown as { socket: unknown }).socket = {
    write(frame: Uint8Array, cb: (err?: Error) => void) {
      writes.push(new TextDecoder().decode(frame));
      cb();
      return true;
    },
    removeAllListeners() {},
    destroy() {},
  };
  return { t, writes };
}

const enc = (s: string) => new TextEncoder().encode(s);
const turn = () => new Promise((r) => setImmediate(r));

test("the frames sent in one turn are written once, in order, at the end of the turn", async () => {
  const { t, writes } = fakeTransport();
  t.send(enc("PUB a 1\r\nx\r\n"));
  await Promise.resolve(); // a microtask later: still not written
  t.send(enc("PUB b 1\r\ny\r\n"));
  expect(writes).toEqual([]);
  await turn();
  expect(writes).toEqual(["PUB a 1\r\nx\r\nPUB b 1\r\ny\r\n"]);
  t.send(enc("PING\r\n"));
  await turn();
  expect(writes).toEqual(["PUB a 1\r\nx\r\nPUB b 1\r\ny\r\n", "PING\r\n"]);
});

test("a burst over FLUSH_BYTES is written at once, and close writes what is pending", async () => {
  const { t, writes } = fakeTransport();
  t.send(enc("a"));
  t.send(new Uint8Array(FLUSH_BYTES));
  expect(writes.length).toBe(1);
  expect(writes[0]!.length).toBe(FLUSH_BYTES + 1);
  t.send(enc("last"));
  await t.close();
  expect(writes.at(-1)).toBe("last");
  await turn();
  expect(writes.length).toBe(2);
});

let nats: NatsServer;
let nc: NatsConnection;
beforeAll(async () => {
  nats = await startNats();
  nc = await openConnection({ servers: nats.url, reconnectForever: true });
});
afterAll(async () => {
  await nc.close();
  await nats.close();
});

/** The connection's current transport (internal to the client: guarded here so an upgrade that moves it fails). */
function transportOf(c: NatsConnection): unknown {
  return (c as unknown as { protocol: { transport: unknown } }).protocol.transport;
}

test("ajc's connections use it, also after a reconnect, and messages flow both ways", async () => {
  expect(transportOf(nc)).toBeInstanceOf(CoalescingTransport);
  const sub = nc.subscribe("echo", {
    callback: (_e, m) => {
      m.respond(m.data);
    },
  });
  // Many requests started in separate turns, each answered.
  const answers = await Promise.all(
    Array.from(
      { length: 50 },
      (_, i) =>
        new Promise<string>((resolve, reject) =>
          setTimeout(
            () => nc.request("echo", `m${i}`, { timeout: 5_000 }).then((m) => resolve(m.string()), reject),
            i % 5,
          ),
        ),
    ),
  );
  expect(answers).toEqual(Array.from({ length: 50 }, (_, i) => `m${i}`));

  await nats.stop();
  await nats.start();
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    try {
      if ((await nc.request("echo", "again", { timeout: 500 })).string() === "again") break;
    } catch {
      // not reconnected yet
    }
  }
  expect((await nc.request("echo", "after", { timeout: 5_000 })).string()).toBe("after");
  expect(transportOf(nc)).toBeInstanceOf(CoalescingTransport);
  sub.unsubscribe();
});
