/** Work queues: create, load, join an existing one, info, list, purge, delete, configure, publish. */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { defaultQueue, resolveQueue } from "../../src/core/queue.ts";
import { startTestEnv, type TestEnv } from "../helpers/client.ts";
import { type RawNats, rawNats } from "../helpers/raw.ts";

let env: TestEnv;
let raw: RawNats;
beforeAll(async () => {
  env = await startTestEnv();
  raw = await rawNats(env.nats.url);
});
afterAll(async () => {
  await raw.close();
  await env.close();
});

const queues = () => env.client.storage.queues;
const S = 1_000_000_000;

describe("create and load", () => {
  test("create reports the settings and state", async () => {
    const info = await queues().create(resolveQueue({ name: "A", max_runtime: "5m", max_concurrent: 3 }));
    expect(info).toMatchObject({
      name: "A",
      max_age: 0,
      max_entries: -1,
      discard_old: false,
      max_tries: -1,
      max_runtime: 300 * S,
      max_concurrent: 3,
      entries: 0,
      in_flight: 0,
      memory: false,
      replicas: 1,
    });
    expect(await queues().exists("A")).toBe(true);
  });

  test("creating one that exists is queue_already_exists", async () => {
    await expect(queues().create(defaultQueue("A"))).rejects.toMatchObject({
      reason: "queue_already_exists",
    });
  });

  test("ensure joins an existing queue without changing it", async () => {
    const info = await queues().ensure(resolveQueue({ name: "A", max_runtime: "1h", max_concurrent: 50 }));
    expect(info.max_runtime).toBe(300 * S);
    expect(info.max_concurrent).toBe(3);
  });

  test("ensure creates a missing queue, and recreates a missing consumer", async () => {
    await queues().ensure(defaultQueue("B"));
    expect(await queues().exists("B")).toBe(true);
    await raw.jsm.consumers.delete("CHORIA_AJ_Q_B", "WORKERS");
    const info = await queues().ensure(resolveQueue({ name: "B", max_concurrent: 9 }));
    expect(info.max_concurrent).toBe(9);
  });

  test("info of a missing queue is queue_not_found; bad names are refused", async () => {
    await expect(queues().info("MISSING")).rejects.toMatchObject({ reason: "queue_not_found" });
    expect(await queues().exists("MISSING")).toBe(false);
    await expect(queues().info("a.b")).rejects.toMatchObject({ reason: "queue_name_invalid" });
    await expect(queues().create(defaultQueue(""))).rejects.toMatchObject({ reason: "queue_name_required" });
  });
});

describe("list, purge, delete", () => {
  test("names and list are sorted and skip other streams", async () => {
    await raw.jsm.streams.add({ name: "UNRELATED", subjects: ["other.>"] });
    expect(await queues().names()).toEqual(["A", "B"]);
    expect((await queues().list()).map((q) => q.name)).toEqual(["A", "B"]);
  });

  test("purge empties the queue; delete removes it", async () => {
    for (let i = 0; i < 3; i++) await queues().publishItem("A", `t${i}`, true);
    expect((await queues().info("A")).entries).toBe(3);
    await queues().purge("A");
    expect((await queues().info("A")).entries).toBe(0);
    await queues().delete("B");
    expect(await queues().exists("B")).toBe(false);
    await expect(queues().delete("B")).rejects.toMatchObject({ reason: "queue_not_found" });
    await expect(queues().purge("B")).rejects.toMatchObject({ reason: "queue_not_found" });
  });
});

describe("configure", () => {
  test("changes stream and consumer settings in place, keeping the items", async () => {
    await queues().publishItem("A", "keep", true);
    const info = await queues().configure(
      resolveQueue({
        name: "A",
        max_age: "1m",
        max_entries: 10,
        discard_old: true,
        max_tries: 4,
        max_runtime: "10s",
        max_concurrent: 2,
      }),
    );
    expect(info).toMatchObject({
      max_age: 60 * S,
      max_entries: 10,
      discard_old: true,
      max_tries: 4,
      max_runtime: 10 * S,
      max_concurrent: 2,
      entries: 1,
    });
    const c = (await raw.jsm.consumers.info("CHORIA_AJ_Q_A", "WORKERS")).config;
    expect([c.ack_wait, c.max_ack_pending, c.max_deliver]).toEqual([10 * S, 2, 4]);
  });

  test("a missing queue is queue_not_found", async () => {
    await expect(queues().configure(defaultQueue("NOPE"))).rejects.toMatchObject({
      reason: "queue_not_found",
    });
  });
});

describe("publishing work items", () => {
  test("no queue stream: queue_not_found", async () => {
    await expect(queues().publishItem("NOPE", "x", true)).rejects.toMatchObject({
      reason: "queue_not_found",
    });
  });

  test("the same task twice within the duplicate window: duplicate_item", async () => {
    await queues().create(defaultQueue("DUP"));
    await queues().publishItem("DUP", "same", true);
    await expect(queues().publishItem("DUP", "same", true)).rejects.toMatchObject({
      reason: "duplicate_item",
    });
    await queues().publishItem("DUP", "same", false); // a retry replaces the item
    expect((await queues().info("DUP")).entries).toBe(1);
  });

  test("enqueue into a missing queue leaves the task in queue_error with last_err", async () => {
    const t = env.client.newTask("x", null);
    await expect(env.client.enqueue(t, "NOPE")).rejects.toMatchObject({ reason: "queue_not_found" });
    expect(await env.client.loadTask(t.id)).toMatchObject({
      state: "queue_error",
      last_err: "queue not found: NOPE",
    });
  });

  test("enqueue with requireQueue refuses before storing anything", async () => {
    const t = env.client.newTask("x", null);
    await expect(env.client.enqueue(t, "NOPE", { requireQueue: true })).rejects.toMatchObject({
      reason: "queue_not_found",
    });
    await expect(env.client.loadTask(t.id)).rejects.toMatchObject({ reason: "task_not_found" });
  });

  test("only new, retry and blocked tasks can be enqueued", async () => {
    const t = { ...env.client.newTask("x", null), state: "complete" as const };
    await expect(env.client.enqueue(t, "DUP")).rejects.toMatchObject({ reason: "task_cannot_enqueue" });
  });
});
