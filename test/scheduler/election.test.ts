/**
 * Leader election against a real NATS server, with the timings shortened through options (the
 * bucket's TTL stays the real 10s): one leader, the event, stepping down, losing the key. NATS
 * outages are tested with the scheduler (scheduler.test.ts).
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import type { Client, LifecycleEvent } from "../../src/client.ts";
import { Election, type ElectionOptions, type LeaseBucket } from "../../src/scheduler/election.ts";
import { startTestEnv, type TestEnv } from "../helpers/client.ts";

const KEY = "task_scheduler";
const FAST = { maxSplayMs: 0, campaignIntervalMs: 100, confirmDelayMs: 200, refreshIntervalMs: 1_000 };

let env: TestEnv;
beforeAll(async () => {
  env = await startTestEnv();
}, 20_000);
afterAll(() => env.close());

/** A running candidate and what happened to it. */
interface Candidate {
  election: Election;
  bucket: LeaseBucket;
  events: string[];
  stop(): Promise<void>;
}

async function candidate(
  client: Client,
  name: string,
  extra: Partial<ElectionOptions> = {},
): Promise<Candidate> {
  const bucket = await client.storage.elections();
  const events: string[] = [];
  const election = new Election({
    ...FAST,
    name,
    key: KEY,
    bucket,
    events: client.storage.events,
    connected: () => client.connected,
    onLeader: () => events.push("leader"),
    onLost: (why) => events.push(`lost: ${why}`),
    ...extra,
  });
  const ac = new AbortController();
  const running = election.run(ac.signal);
  return {
    election,
    bucket,
    events,
    async stop() {
      ac.abort();
      await running;
    },
  };
}

async function until(
  what: string,
  cond: () => boolean | Promise<boolean>,
  timeoutMs: number,
): Promise<number> {
  const started = Date.now();
  while (!(await cond())) {
    if (Date.now() - started > timeoutMs)
      throw new Error(`timed out after ${timeoutMs}ms waiting for ${what}`);
    await Bun.sleep(20);
  }
  return Date.now() - started;
}

/** Collects leader-elected events until the returned function is called. */
function collectLeaderEvents(client: Client): { seen: LifecycleEvent[]; stop(): void } {
  const ac = new AbortController();
  const seen: LifecycleEvent[] = [];
  void (async () => {
    for await (const { subject, event } of client.watchEvents({ signal: ac.signal })) {
      if (subject === `CHORIA_AJ.E.leader_election.${KEY}`) seen.push(event);
    }
  })();
  return { seen, stop: () => ac.abort() };
}

test("two candidates elect one leader, announce it once, and hand over on stop", async () => {
  const events = collectLeaderEvents(env.client);
  const other = await env.connect();
  const a = await candidate(env.client, "alpha");
  const b = await candidate(other, "beta");
  try {
    await until("a leader", () => a.election.isLeader() || b.election.isLeader(), 3_000);
    const [leader, follower] = a.election.isLeader() ? [a, b] : [b, a];
    const leaderName = leader === a ? "alpha" : "beta";
    expect(follower.election.isLeader()).toBe(false);
    expect((await leader.bucket.create(KEY, "x")) ?? "taken").toBe("taken");
    await until("the event", () => events.seen.length > 0, 2_000);
    expect(events.seen[0]).toMatchObject({
      type: "io.choria.asyncjobs.v1.leader_elected",
      name: leaderName,
      component: KEY,
    });
    // Two refreshes later (each moves the key's revision on) nothing has changed hands and
    // nothing was announced again: waiting for them, not for a time, however slow the machine.
    const bucket = await env.client.storage.elections();
    const revision = async () => (await bucket.get(KEY))?.revision ?? 0;
    const first = await revision();
    await until("two refreshes", async () => (await revision()) >= first + 2, 5_000);
    expect(leader.election.isLeader()).toBe(true);
    expect(follower.election.isLeader()).toBe(false);
    expect(leader.events).toEqual(["leader"]);
    expect(follower.events).toEqual([]);
    expect(events.seen).toHaveLength(1);

    // Stepping down releases the key: the follower takes over at its next campaign, not a TTL later.
    await leader.stop();
    expect(leader.events).toEqual(["leader", "lost: stopped"]);
    const took = await until("the follower to lead", () => follower.election.isLeader(), 2_000);
    expect(took).toBeLessThan(1_500);
    await until("the second event", () => events.seen.length > 1, 2_000);
    expect(events.seen[1]).toMatchObject({ name: leaderName === "alpha" ? "beta" : "alpha", component: KEY });
  } finally {
    events.stop();
    await a.stop();
    await b.stop();
  }
  // Both stopped: the key is free again.
  const bucket = await env.client.storage.elections();
  const rev = await bucket.create(KEY, "probe");
  expect(rev).toBeNumber();
  expect(await bucket.delete(KEY, rev)).toBe(true);
}, 20_000);

test("a leader whose key is taken over loses at once and campaigns again", async () => {
  const c = await candidate(env.client, "gamma");
  try {
    await until("gamma to lead", () => c.election.isLeader(), 3_000);
    // Someone else's write (a partition healed the wrong way, an operator): our revision is gone.
    const bucket = await env.client.storage.elections();
    const intruder = await bucket.put(KEY, "intruder");
    await until(
      "gamma to lose",
      () =>
        c.events.includes(
          `lost: refreshing the ${KEY} key failed: the key expired or is held by another candidate`,
        ),
      2_000,
    );
    expect(c.election.isLeader()).toBe(false);
    expect(await bucket.get(KEY)).toEqual({ value: "intruder", revision: intruder });
    // It campaigns again (a create is a publish on the key's subject, refused while the key is
    // taken): after two such attempts, not after a time, it still does not lead.
    let attempts = 0;
    const sub = env.client.storage.nc.subscribe(`$KV.*.${KEY}`, {
      callback: () => {
        attempts++;
      },
    });
    await env.client.storage.nc.flush();
    await until("two more campaigns", () => attempts >= 2, 3_000);
    sub.unsubscribe();
    expect(c.election.isLeader()).toBe(false);
    expect(await bucket.get(KEY)).toEqual({ value: "intruder", revision: intruder });
    expect(await bucket.delete(KEY, intruder)).toBe(true);
    await until("gamma to lead again", () => c.election.isLeader(), 2_000);
  } finally {
    await c.stop();
  }
}, 20_000);

test("a won create is not leadership until the confirming refresh", async () => {
  const c = await candidate(env.client, "delta", { confirmDelayMs: 800 });
  try {
    const bucket = await env.client.storage.elections();
    await until("delta to hold the key", async () => (await bucket.get(KEY))?.value === "delta", 2_000);
    expect(c.election.isLeader()).toBe(false);
    expect(c.election.state).toMatchObject({ role: "leader", announced: false });
    await until("delta to lead", () => c.election.isLeader(), 2_000);
  } finally {
    await c.stop();
  }
}, 20_000);
