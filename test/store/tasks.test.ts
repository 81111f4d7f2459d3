/** The task store: save, load, delete, count, list (streamed, limited), purge, configure, concurrency. */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { encodeTask, type Task } from "../../src/core/task.ts";
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
beforeEach(() => env.client.purgeTasks());

const tasks = () => env.client.storage.tasks;

async function saved(type = "t"): Promise<Task> {
  const t = env.client.newTask(type, null);
  await tasks().save(t);
  return t;
}

async function all(it: AsyncIterable<Task>): Promise<Task[]> {
  const out: Task[] = [];
  for await (const t of it) out.push(t);
  return out;
}

describe("save and load", () => {
  test("a saved task loads equal", async () => {
    const t = await saved();
    expect(await tasks().load(t.id)).toEqual(t);
  });

  test("the JSON a task was saved as is reused while the task is unchanged, never after a change", async () => {
    const t = env.client.newTask("t", null, { dependencies: ["a", "b"] });
    expect(tasks().savedJson(t)).toBeUndefined();
    await tasks().save(t);
    const text = tasks().savedJson(t);
    expect(text).toBe(encodeTask(t));
    expect(env.client.taskJson(t)).toBe(text!);
    const stored = await raw.jsm.streams.getMessage("CHORIA_AJ_TASKS", {
      last_by_subj: `CHORIA_AJ.T.${t.id}`,
    });
    expect(stored?.string()).toBe(text!);
    t.tries = 1;
    expect(tasks().savedJson(t)).toBeUndefined();
    expect(env.client.taskJson(t)).toBe(encodeTask(t));
    await tasks().save(t);
    expect(tasks().savedJson(t)).toBe(encodeTask(t));
    t.dependencies!.push("c");
    expect(tasks().savedJson(t)).toBeUndefined();
    await tasks().save(t);
    t.dependency_results = {};
    expect(tasks().savedJson(t)).toBeUndefined();
    expect(tasks().savedJson(await tasks().load(t.id))).toBeUndefined();
  });

  test("a missing task is task_not_found", async () => {
    await expect(tasks().load("nope")).rejects.toMatchObject({ reason: "task_not_found" });
  });

  test("saving the same object again updates it", async () => {
    const t = await saved();
    t.state = "active";
    await tasks().save(t);
    t.tries = 1;
    await tasks().save(t);
    expect(await tasks().load(t.id)).toMatchObject({ state: "active", tries: 1 });
    expect(await tasks().count()).toBe(1); // one message per subject
  });

  test("a new task whose id is taken is task_already_exists", async () => {
    const t = await saved();
    const twin = { ...t };
    await expect(tasks().save(twin)).rejects.toMatchObject({ reason: "task_already_exists" });
  });
});

describe("optimistic concurrency", () => {
  test("a stale save fails with task_update_conflict and nothing is overwritten", async () => {
    const t = await saved();
    const a = await tasks().load(t.id);
    const b = await tasks().load(t.id);
    a.state = "active";
    await tasks().save(a);
    b.state = "terminated";
    b.last_err = "stale";
    await expect(tasks().save(b)).rejects.toMatchObject({ reason: "task_update_conflict", code: "conflict" });
    const now = await tasks().load(t.id);
    expect(now.state).toBe("active");
    expect(now.last_err).toBeUndefined();
  });

  test("the conflict uses Nats-Expected-Last-Subject-Sequence: a write by anyone else counts", async () => {
    const t = await saved();
    const mine = await tasks().load(t.id);
    // Someone else (the Go library, say) writes the task behind our back.
    await raw.js.publish(`CHORIA_AJ.T.${t.id}`, JSON.stringify({ ...t, state: "complete" }));
    mine.state = "retry";
    await expect(tasks().save(mine)).rejects.toMatchObject({ reason: "task_update_conflict" });
    expect((await tasks().load(t.id)).state).toBe("complete");
    // Reloaded, the save goes through.
    const fresh = await tasks().load(t.id);
    fresh.state = "retry";
    await tasks().save(fresh);
    expect((await tasks().load(t.id)).state).toBe("retry");
  });
});

describe("delete, count, purge", () => {
  test("delete removes the task; deleting again is task_not_found", async () => {
    const t = await saved();
    await tasks().delete(t.id);
    await expect(tasks().load(t.id)).rejects.toMatchObject({ reason: "task_not_found" });
    await expect(tasks().delete(t.id)).rejects.toMatchObject({ reason: "task_not_found" });
  });

  test("count is the number of tasks; purge removes them all", async () => {
    for (let i = 0; i < 5; i++) await saved();
    expect(await tasks().count()).toBe(5);
    await tasks().purge();
    expect(await tasks().count()).toBe(0);
  });
});

describe("list", () => {
  test("an empty store lists nothing", async () => {
    expect(await all(tasks().list())).toEqual([]);
  });

  test("oldest first, all of them across several fetch batches", async () => {
    const ids: string[] = [];
    const pending: Promise<unknown>[] = [];
    for (let i = 0; i < 700; i++) {
      const t = env.client.newTask("bulk", null);
      ids.push(t.id);
      pending.push(tasks().save(t));
    }
    await Promise.all(pending);
    const listed = await all(tasks().list());
    expect(listed.map((t) => t.id).sort()).toEqual([...ids].sort());
    expect(listed).toHaveLength(700);
  }, 20_000);

  test("a limit stops the stream early", async () => {
    const first = await saved("a");
    const second = await saved("b");
    await saved("c");
    expect((await all(tasks().list({ limit: 2 }))).map((t) => t.id)).toEqual([first.id, second.id]);
    expect(await all(tasks().list({ limit: 0 }))).toEqual([]);
  });

  test("it is a stream: the consumer stops when the caller does", async () => {
    for (let i = 0; i < 20; i++) await saved();
    const before = await raw.jsm.streams.info("CHORIA_AJ_TASKS");
    let n = 0;
    for await (const _ of tasks().list()) if (++n === 3) break;
    expect(n).toBe(3);
    const ac = new AbortController();
    let m = 0;
    for await (const _ of tasks().list({ signal: ac.signal })) if (++m === 2) ac.abort();
    expect(m).toBe(2);
    expect((await raw.jsm.streams.info("CHORIA_AJ_TASKS")).state.messages).toBe(before.state.messages);
  });

  test("tasks written later are not waited for; corrupt entries are skipped", async () => {
    const t = await saved();
    await raw.js.publish("CHORIA_AJ.T.broken", "not json");
    expect((await all(tasks().list())).map((x) => x.id)).toEqual([t.id]);
  });
});

describe("configure and info", () => {
  test("retention changes; info reports it", async () => {
    await tasks().configure(60_000_000_000, 1);
    const info = await tasks().info();
    expect(info).toMatchObject({
      stream: "CHORIA_AJ_TASKS",
      retentionNs: 60_000_000_000,
      replicas: 1,
      memory: false,
    });
    await tasks().configure(0, 1);
    expect((await tasks().info()).retentionNs).toBe(0);
  });
});
