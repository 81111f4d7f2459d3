/**
 * The election reads its TTL from the elections bucket, as the Go library does: a bucket made with
 * another TTL sets the lease, the refresh and the confirmation delay; one outside 10s..1h is
 * refused at start with a clear error instead of an election whose margins do not hold.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { Kvm } from "@nats-io/kv";
import { Scheduler } from "../../src/scheduler/scheduler.ts";
import { startTestEnv, type TestEnv } from "../helpers/client.ts";

let env: TestEnv;

beforeAll(async () => {
  env = await startTestEnv();
}, 20_000);

afterAll(async () => {
  await env.close();
}, 20_000);

/** Makes the elections bucket as another tool might have, with its own TTL. */
async function makeElectionsBucket(ttlMs: number): Promise<void> {
  const kvm = new Kvm(env.client.storage.jet.js);
  await kvm.create("CHORIA_AJ_ELECTIONS", { ttl: ttlMs, history: 1 });
}

async function dropElectionsBucket(): Promise<void> {
  await env.client.storage.jet.jsm.streams.delete("KV_CHORIA_AJ_ELECTIONS");
}

async function until(what: string, cond: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs}ms waiting for ${what}`);
    await Bun.sleep(25);
  }
}

test("a bucket made with a 30s TTL: the election's lease, refresh and confirmation follow it", async () => {
  await makeElectionsBucket(30_000);
  try {
    const bucket = await env.client.storage.elections();
    expect(bucket.ttlMs).toBe(30_000);
    // The existing bucket is opened as it is, not changed back to the default.
    expect((await bucket.status()).ttlMs).toBe(30_000);
    const s = new Scheduler(env.client, { name: "ttl30", election: { maxSplayMs: 0 } });
    const ac = new AbortController();
    const running = s.run(ac.signal);
    try {
      await until("the election to start", () => s.electionTiming !== undefined, 5_000);
      expect(s.electionTiming).toMatchObject({
        ttlMs: 30_000,
        refreshIntervalMs: 22_500,
        confirmDelayMs: 7_500,
      });
      // The win is announced a quarter of the 30s TTL after the create.
      await until("leadership", () => s.isLeader(), 12_000);
      expect((await bucket.get("task_scheduler"))?.value).toBe("ttl30");
    } finally {
      ac.abort();
      await running;
    }
  } finally {
    await dropElectionsBucket();
  }
}, 30_000);

test("a bucket whose TTL is below 10s, or none at all, is refused at start and nothing campaigns", async () => {
  for (const ttl of [5_000, 0]) {
    await makeElectionsBucket(ttl);
    try {
      const s = new Scheduler(env.client, { name: "short", election: { maxSplayMs: 0 } });
      await expect(s.run(new AbortController().signal)).rejects.toMatchObject({
        reason: "invalid_argument",
        message: expect.stringContaining("must be 10 seconds or more"),
      });
      expect(await (await env.client.storage.elections()).get("task_scheduler")).toBeUndefined();
    } finally {
      await dropElectionsBucket();
    }
  }
}, 20_000);

test("a bucket whose TTL is over an hour is refused", async () => {
  await makeElectionsBucket(2 * 3_600_000);
  try {
    const s = new Scheduler(env.client, { name: "long" });
    await expect(s.run(new AbortController().signal)).rejects.toMatchObject({
      message: expect.stringContaining("must be at most 1 hour"),
    });
  } finally {
    await dropElectionsBucket();
  }
}, 20_000);

test("a missing bucket is created with the default 10s TTL", async () => {
  const bucket = await env.client.storage.elections();
  expect(bucket.ttlMs).toBe(10_000);
  await dropElectionsBucket();
}, 20_000);
