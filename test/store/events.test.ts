/** Lifecycle events on core NATS, and the elections bucket's atomic operations. */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startTestEnv, type TestEnv } from "../helpers/client.ts";
import { type RawNats, rawNats } from "../helpers/raw.ts";

let env: TestEnv;
let raw: RawNats;
beforeAll(async () => {
  env = await startTestEnv();
  raw = await rawNats(env.nats.url);
  await env.client.createQueue({ name: "EV" });
});
afterAll(async () => {
  await raw.close();
  await env.close();
});

describe("lifecycle events", () => {
  test("a state change publishes the task_state event on CHORIA_AJ.E.task_state.<id>, on core NATS", async () => {
    const sub = raw.nc.subscribe("CHORIA_AJ.E.>", { max: 1 });
    await raw.nc.flush();
    const t = env.client.newTask("email:new", null);
    await env.client.enqueue(t, "EV");
    for await (const m of sub) {
      expect(m.subject).toBe(`CHORIA_AJ.E.task_state.${t.id}`);
      const e = m.json<Record<string, unknown>>();
      expect(Object.keys(e)).toEqual(
        expect.arrayContaining([
          "event_id",
          "type",
          "timestamp",
          "task_id",
          "state",
          "tries",
          "queue",
          "task_type",
        ]),
      );
      expect(e).toMatchObject({
        type: "io.choria.asyncjobs.v1.task_state",
        task_id: t.id,
        state: "new",
        tries: 0,
        queue: "EV",
        task_type: "email:new",
      });
      expect(typeof e.event_id).toBe("string");
      expect(Number.isNaN(Date.parse(String(e.timestamp)))).toBe(false);
      expect(e.last_error).toBeUndefined();
      expect(m.headers).toBeUndefined();
    }
    // Not stored anywhere: no stream holds the events.
    const streams: string[] = [];
    for await (const n of raw.jsm.streams.names("CHORIA_AJ.E.>")) streams.push(n);
    expect(streams).toEqual([]);
  });

  test("watchEvents yields our events and Go's, for one task or all", async () => {
    const ac = new AbortController();
    const t = env.client.newTask("x", null);
    const seen: string[] = [];
    const done = (async () => {
      for await (const { event } of env.client.watchEvents({ taskId: t.id, signal: ac.signal })) {
        seen.push(String((event as Record<string, unknown>).state));
        if (seen.length === 2) ac.abort();
      }
    })();
    await env.client.storage.nc.flush(); // the server has the subscription: no event can be missed
    await env.client.enqueue(t, "EV");
    // As the Go library publishes it (a KSUID event id, keys in its order).
    raw.nc.publish(
      `CHORIA_AJ.E.task_state.${t.id}`,
      JSON.stringify({
        event_id: "2BvYLXWHBYeFQJvY9AkuZw6wQm0",
        type: "io.choria.asyncjobs.v1.task_state",
        timestamp: "2022-02-07T10:16:42Z",
        task_id: t.id,
        state: "complete",
        tries: 1,
        queue: "EV",
        task_type: "x",
        task_age: 4037478,
      }),
    );
    await done;
    expect(seen).toEqual(["new", "complete"]);
  });
});

describe("elections bucket", () => {
  test("create is atomic, update is revision checked, delete frees the key", async () => {
    const b = await env.client.storage.elections();
    expect(b.ttlMs).toBe(10_000);
    const rev = await b.create("task_scheduler", "one");
    expect(rev).toBeGreaterThan(0);
    expect(await b.create("task_scheduler", "two")).toBeUndefined();
    expect(await b.get("task_scheduler")).toEqual({ value: "one", revision: rev! });
    const rev2 = await b.update("task_scheduler", "one", rev!);
    expect(rev2).toBeGreaterThan(rev!);
    expect(await b.update("task_scheduler", "two", rev!)).toBeUndefined(); // stale revision
    await b.delete("task_scheduler");
    expect(await b.get("task_scheduler")).toBeUndefined();
    expect(await b.create("task_scheduler", "two")).toBeGreaterThan(0);
    expect((await b.status()).bucket).toBe("CHORIA_AJ_ELECTIONS");
  });
});
