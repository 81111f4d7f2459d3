/** Schedules in the configuration bucket: create, put, load, delete, list, watch. */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Kvm } from "@nats-io/kv";
import type { Schedule } from "../../src/core/schedule.ts";
import type { ScheduleChange } from "../../src/store/schedules.ts";
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

const schedules = () => env.client.storage.schedules;

function schedule(name: string, extra: Partial<Schedule> = {}): Schedule {
  return {
    name,
    schedule: "@every 1m",
    queue: "Q",
    task_type: "t",
    payload: null,
    max_tries: 10,
    created_at: "2024-04-14T10:00:00Z",
    ...extra,
  };
}

test("create then load", async () => {
  await schedules().create(schedule("a", { deadline: 60_000_000_000, payload: "e30=" }));
  expect(await schedules().load("a")).toEqual(schedule("a", { deadline: 60_000_000_000, payload: "e30=" }));
});

test("creating a name that exists is schedule_already_exists and keeps the original", async () => {
  await expect(schedules().create(schedule("a", { queue: "OTHER" }))).rejects.toMatchObject({
    reason: "schedule_already_exists",
    code: "duplicate",
  });
  expect((await schedules().load("a")).queue).toBe("Q");
});

test("put replaces", async () => {
  await schedules().put(schedule("a", { schedule: "@hourly" }));
  expect((await schedules().load("a")).schedule).toBe("@hourly");
});

test("delete; then load and delete are schedule_not_found; the name can be created again", async () => {
  await schedules().create(schedule("gone"));
  await schedules().delete("gone");
  await expect(schedules().load("gone")).rejects.toMatchObject({ reason: "schedule_not_found" });
  await expect(schedules().delete("gone")).rejects.toMatchObject({ reason: "schedule_not_found" });
  await schedules().create(schedule("gone"));
  await schedules().delete("gone");
});

test("list is sorted by name and skips values that do not decode", async () => {
  await schedules().create(schedule("c"));
  await schedules().create(schedule("b"));
  const kv = await raw.kvm.open("CHORIA_AJ_CONFIGURATION");
  await kv.put("scheduled_tasks.zbroken", "{not json");
  expect((await schedules().list()).map((s) => s.name)).toEqual(["a", "b", "c"]);
  expect(await schedules().names()).toEqual(["a", "b", "c", "zbroken"]);
  await kv.delete("scheduled_tasks.zbroken");
});

test("the client refuses invalid schedules before storing them", async () => {
  await expect(
    env.client.createSchedule(schedule("short", { deadline: 1_000_000_000 })),
  ).rejects.toMatchObject({
    reason: "schedule_invalid",
  });
  await expect(schedules().load("short")).rejects.toMatchObject({ reason: "schedule_not_found" });
});

test("watch: the current schedules, then puts, deletes, purges and invalid values as they happen", async () => {
  const ac = new AbortController();
  const seen: string[] = [];
  const label = (c: ScheduleChange) => `${c.op}:${c.op === "put" ? c.schedule.name : c.name}`;
  const done = (async () => {
    for await (const c of schedules().watch(ac.signal)) {
      seen.push(label(c));
      if (seen.at(-1) === "invalid:bad") ac.abort();
    }
  })();
  for (let i = 0; i < 200 && seen.length < 5; i++) await Bun.sleep(10);
  // The start: the last value of every key in stream order, so earlier deletions show as deletes.
  const initial = [...seen];
  expect(initial.filter((l) => l.startsWith("put:")).sort()).toEqual(["put:a", "put:b", "put:c"]);
  expect(initial.filter((l) => !l.startsWith("put:")).sort()).toEqual(["delete:gone", "delete:zbroken"]);
  const kv = await raw.kvm.open("CHORIA_AJ_CONFIGURATION");
  await schedules().put(schedule("d"));
  await schedules().delete("b");
  await kv.purge("scheduled_tasks.c");
  await kv.put("scheduled_tasks.bad", "[]");
  await done;
  expect(seen.slice(initial.length)).toEqual(["put:d", "delete:b", "delete:c", "invalid:bad"]);
});

describe("a name under both keys is what the newer key says", () => {
  const kv = () => new Kvm(raw.nc).open("CHORIA_AJ_CONFIGURATION");
  const present = async (key: string) => (await (await kv()).get(key))?.operation === "PUT";
  /** Paused by ajc, then added again under the active key as `@daily` (as Go's CLI does). */
  const pausedThenAddedAgain = async (name: string) => {
    await schedules().create(schedule(name, { schedule: "@hourly" }));
    await schedules().pause(name, "2026-01-01T00:00:00Z");
    await (await kv()).create(
      `scheduled_tasks.${name}`,
      JSON.stringify(schedule(name, { schedule: "@daily" })),
    );
  };

  test("added again under the active key after a pause (as a Go `tasks cron add` does): active; a resume drops the old paused copy", async () => {
    await pausedThenAddedAgain("again");
    const s = await schedules().load("again");
    expect(s.paused).toBeUndefined();
    expect(s.schedule).toBe("@daily");
    expect((await schedules().list()).find((x) => x.name === "again")?.paused).toBeUndefined();
    expect((await schedules().resume("again")).schedule).toBe("@daily");
    expect(await present("ajc_paused_schedules.again")).toBe(false);
    expect(await present("scheduled_tasks.again")).toBe(true);
  });

  test("added again: a pause pauses the new value and leaves one key", async () => {
    await pausedThenAddedAgain("again2");
    const p = await schedules().pause("again2", "2026-02-02T00:00:00Z");
    expect(p).toMatchObject({ paused: true, paused_at: "2026-02-02T00:00:00Z", schedule: "@daily" });
    expect(await present("scheduled_tasks.again2")).toBe(false);
    expect((await schedules().load("again2")).schedule).toBe("@daily");
  });

  test("added again: an edit replaces the active value and leaves one key; a delete removes both", async () => {
    await pausedThenAddedAgain("again3");
    const e = await schedules().replace(schedule("again3", { schedule: "@weekly" }), "2026-03-03T00:00:00Z");
    expect(e.paused).toBeUndefined();
    expect(await present("ajc_paused_schedules.again3")).toBe(false);
    expect((await schedules().load("again3")).schedule).toBe("@weekly");

    await schedules().pause("again3", "2026-01-01T00:00:00Z");
    await (await kv()).create("scheduled_tasks.again3", JSON.stringify(schedule("again3")));
    await schedules().delete("again3");
    expect(await present("scheduled_tasks.again3")).toBe(false);
    expect(await present("ajc_paused_schedules.again3")).toBe(false);
  });

  test("a resume interrupted before it removed the paused copy: active", async () => {
    await schedules().create(schedule("half-resume"));
    await schedules().pause("half-resume", "2026-01-01T00:00:00Z");
    // The resume's first step only: the active key written, the paused copy still there.
    await (await kv()).create("scheduled_tasks.half-resume", JSON.stringify(schedule("half-resume")));
    expect((await schedules().load("half-resume")).paused).toBeUndefined();
  });
});
