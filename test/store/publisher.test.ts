/** Acknowledged JetStream publishes without the client's request machinery (src/store/publisher.ts). */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { headers, type NatsConnection } from "@nats-io/nats-core";
import { openConnection } from "../../src/store/connection.ts";
import { isNoResponders, isUnavailable, JS_WRONG_LAST_SEQUENCE, jsCode } from "../../src/store/errors.ts";
import { AckedPublisher, SWEEP_MS } from "../../src/store/publisher.ts";
import { type NatsServer, startNats } from "../helpers/nats.ts";
import { type RawNats, rawNats } from "../helpers/raw.ts";

let nats: NatsServer;
let nc: NatsConnection;
let raw: RawNats;
let pub: AckedPublisher;
beforeAll(async () => {
  nats = await startNats();
  nc = await openConnection({ servers: nats.url });
  raw = await rawNats(nats.url);
  await raw.jsm.streams.add({ name: "PUBTEST", subjects: ["pubtest.>"], max_msgs_per_subject: 1 });
  pub = new AckedPublisher(nc, 5_000);
});
afterAll(async () => {
  await raw.close();
  await nc.close().catch(() => {});
  await nats.close();
});

test("a publish resolves with the stream and sequence; a repeated message id is a duplicate", async () => {
  const a = await pub.publish("pubtest.a", "one");
  expect(a).toEqual({ stream: "PUBTEST", seq: a.seq, duplicate: false });
  const h = () => {
    const x = headers();
    x.append("Nats-Msg-Id", "m1");
    return x;
  };
  const first = await pub.publish("pubtest.b", "x", h());
  const again = await pub.publish("pubtest.b", "x", h());
  expect(first.duplicate).toBe(false);
  expect(again).toEqual({ stream: "PUBTEST", seq: first.seq, duplicate: true });
  expect(first.seq).toBeGreaterThan(a.seq);
  // Many at once, each answered with its own sequence.
  const many = await Promise.all(Array.from({ length: 200 }, (_, i) => pub.publish(`pubtest.m${i}`, `${i}`)));
  expect(new Set(many.map((m) => m.seq)).size).toBe(200);
  expect(pub.pending).toBe(0);
});

test("JetStream's refusals are the library's errors: wrong last sequence, no stream on the subject", async () => {
  const h = headers();
  h.append("Nats-Expected-Last-Subject-Sequence", "0");
  const err = await pub.publish("pubtest.a", "two", h).catch((e) => e);
  expect(jsCode(err)).toBe(JS_WRONG_LAST_SEQUENCE);
  const none = await pub.publish("nostream.x", "?").catch((e) => e);
  expect(isNoResponders(none)).toBe(true);
});

test("an unanswered publish fails with a timeout, at most one sweep late", async () => {
  const quick = new AckedPublisher(nc, 300);
  // Someone listens on the subject but never answers.
  const sub = raw.nc.subscribe("silent.x");
  await raw.nc.flush();
  const t0 = performance.now();
  const err = await quick.publish("silent.x", "?").catch((e) => e);
  const ms = performance.now() - t0;
  expect(isUnavailable(err)).toBe(true);
  expect(ms).toBeGreaterThanOrEqual(290);
  expect(ms).toBeLessThan(300 + SWEEP_MS + 500);
  sub.unsubscribe();
});

test("a closed connection fails what is pending and every later publish", async () => {
  const own = await openConnection({ servers: nats.url });
  const p = new AckedPublisher(own, 5_000);
  const sub = raw.nc.subscribe("silent.y");
  await raw.nc.flush();
  const pending = p.publish("silent.y", "?").catch((e) => e);
  await own.close();
  expect(isUnavailable(await pending)).toBe(true);
  expect(isUnavailable(await p.publish("pubtest.z", "?").catch((e) => e))).toBe(true);
  sub.unsubscribe();
});
