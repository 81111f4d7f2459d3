/** Publishes gathered per event-loop turn on the client's public API (src/store/outbox.ts). */
import { afterAll, beforeAll, expect, test } from "bun:test";
import type { NatsConnection } from "@nats-io/nats-core";
import { openConnection } from "../../src/store/connection.ts";
import { Outbox } from "../../src/store/outbox.ts";
import { type NatsServer, startNats } from "../helpers/nats.ts";

/** A connection stand-in that records each publish and each microtask checkpoint between them. */
function recorder(): { nc: NatsConnection; log: string[] } {
  const log: string[] = [];
  let checkpointPending = false;
  const nc = {
    publish(subject: string, data: string, opts?: { reply?: string }) {
      if (subject === "refused") throw new Error("refused by the client");
      log.push(`${subject}:${data}${opts?.reply ? `>${opts.reply}` : ""}`);
      // The client writes once per microtask checkpoint: mark where a write would happen.
      if (!checkpointPending) {
        checkpointPending = true;
        queueMicrotask(() => {
          checkpointPending = false;
          log.push("write");
        });
      }
    },
  } as unknown as NatsConnection;
  return { nc, log };
}

const turn = () => new Promise((r) => setImmediate(r));

test("publishes of one turn are made together, in order, at the end of the turn: one write", async () => {
  const { nc, log } = recorder();
  const out = new Outbox(nc);
  out.publish("a", "1");
  await Promise.resolve(); // a microtask later: nothing made yet
  out.publish("b", "2", { reply: "r" });
  expect(log).toEqual([]);
  expect(out.pending).toBe(2);
  await turn();
  expect(log).toEqual(["a:1", "b:2>r", "write"]);
  out.publish("c", "3");
  await turn();
  expect(log).toEqual(["a:1", "b:2>r", "write", "c:3", "write"]);
  expect(out.pending).toBe(0);
});

test("a publish the client refuses goes to its onError; the others are made; flush makes them at once", async () => {
  const { nc, log } = recorder();
  const out = new Outbox(nc);
  const errors: string[] = [];
  out.publish("a", "1");
  out.publish("refused", "x", undefined, (err) => errors.push(err.message));
  out.publish("b", "2");
  out.flush();
  expect(log).toEqual(["a:1", "b:2"]);
  expect(errors).toEqual(["refused by the client"]);
  await turn();
  expect(log).toEqual(["a:1", "b:2", "write"]);
});

let nats: NatsServer;
let nc: NatsConnection;
beforeAll(async () => {
  nats = await startNats();
  nc = await openConnection({ servers: nats.url });
});
afterAll(async () => {
  await nc.close();
  await nats.close();
});

test("on a real connection every publish arrives, in order; a closed connection's go to onError", async () => {
  const out = new Outbox(nc);
  const got: string[] = [];
  const sub = nc.subscribe("outbox.>", {
    callback: (_e, m) => {
      got.push(m.string());
    },
  });
  await nc.flush();
  for (let i = 0; i < 100; i++) out.publish(`outbox.${i % 3}`, `m${i}`);
  await turn();
  await nc.flush();
  expect(got).toEqual(Array.from({ length: 100 }, (_, i) => `m${i}`));
  sub.unsubscribe();

  const own = await openConnection({ servers: nats.url });
  const closed = new Outbox(own);
  await own.close();
  const failed = await new Promise<Error>((resolve) =>
    closed.publish("outbox.x", "late", undefined, resolve),
  );
  expect(failed.message).toMatch(/closed/i);
});
