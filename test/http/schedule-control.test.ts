/**
 * Schedules under control: `PUT /v1/schedules/{name}`, `.../pause`, `.../resume`, `.../trigger`,
 * through the client generated from api/openapi.yaml (every answer checked against the contract),
 * on real NATS; what is stored where (a paused schedule is out of the key schedulers watch); and
 * against the compiled binary with `ajc task cron scheduler` running: pause holds, trigger
 * enqueues once, an update changes the next firing.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { Kvm } from "@nats-io/kv";
import createClient, { type Client } from "openapi-fetch";
import type { Task } from "../../src/core/task.ts";
import { type AjcProcess, ajcBinary, runAjc, spawnAjc } from "../helpers/binary.ts";
import { type ApiEnv, expectError, startApi } from "../helpers/http.ts";
import { contractFetch } from "../helpers/openapi.ts";
import type { components, paths } from "./generated/api.d.ts";

setDefaultTimeout(60_000);

type Schedule = components["schemas"]["Schedule"];

let env: ApiEnv;
let api: Client<paths>;

/** The raw value under a key of the configuration bucket, or undefined (deleted or never set). */
async function rawKey(key: string): Promise<Record<string, unknown> | undefined> {
  const kv = await new Kvm(env.client.storage.jet.nc).open("CHORIA_AJ_CONFIGURATION");
  const e = await kv.get(key);
  return e?.operation === "PUT" ? (e.json() as Record<string, unknown>) : undefined;
}

async function tasksOfType(type: string): Promise<Task[]> {
  const out: Task[] = [];
  for await (const t of env.client.listTasks()) if (t.type === type) out.push(t);
  return out;
}

async function until(what: string, ok: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(100);
  }
}

beforeAll(async () => {
  env = await startApi();
  api = createClient<paths>({ baseUrl: env.url, fetch: contractFetch });
  await env.client.createQueue({ name: "CTL" });
});
afterAll(() => env.close());

const create = (name: string, schedule = "@daily", extra: Record<string, unknown> = {}) =>
  api.POST("/v1/schedules", {
    body: { name, schedule, queue: "CTL", task_type: "ctl:run", ...extra },
  });

describe("the operations", () => {
  test("PUT replaces a schedule, keeping its created_at; it has no name to rename, and needs one to exist", async () => {
    const made = await create("ctl-put", "@daily", { payload: { a: 1 } });
    expect(made.response.status).toBe(201);
    await Bun.sleep(5);
    const r = await api.PUT("/v1/schedules/{name}", {
      params: { path: { name: "ctl-put" } },
      body: {
        schedule: "@every 5m",
        queue: "CTL",
        task_type: "ctl:other",
        max_tries: 3,
        deadline_offset: "1m",
      },
    });
    expect(r.response.status).toBe(200);
    expect(r.data).toEqual({
      name: "ctl-put",
      schedule: "@every 5m",
      queue: "CTL",
      task_type: "ctl:other",
      deadline: 60_000_000_000,
      max_tries: 3,
      created_at: made.data!.created_at,
    } satisfies Schedule);
    expect((await api.GET("/v1/schedules/{name}", { params: { path: { name: "ctl-put" } } })).data).toEqual(
      r.data!,
    );
    expect(await rawKey("scheduled_tasks.ctl-put")).toMatchObject({
      schedule: "@every 5m",
      task_type: "ctl:other",
    });

    // The same validation as a create; nothing is changed by a refused replace.
    const bad = await env.call("PUT", "/v1/schedules/ctl-put", {
      json: { schedule: "bogus", queue: "CTL", task_type: "ctl:run" },
    });
    expectError(bad, 400, "schedule_invalid");
    const renamed = await env.call("PUT", "/v1/schedules/ctl-put", {
      json: { name: "other", schedule: "@daily", queue: "CTL", task_type: "ctl:run" },
    });
    expectError(renamed, 400, "invalid_json", "name");
    const unknown = await env.call("PUT", "/v1/schedules/ctl-put", {
      json: { schedule: "@daily", queue: "CTL", task_type: "ctl:run", nope: 1 },
    });
    expectError(unknown, 400, "invalid_json");
    const missing = await env.call("PUT", "/v1/schedules/ctl-none", {
      json: { schedule: "@daily", queue: "CTL", task_type: "ctl:run" },
    });
    expectError(missing, 404, "schedule_not_found");
    expect(await rawKey("scheduled_tasks.ctl-none")).toBeUndefined();
    expect((await env.client.loadSchedule("ctl-put")).schedule).toBe("@every 5m");
  });

  test("pause moves the schedule out of the key schedulers watch; resume moves it back", async () => {
    await create("ctl-pause", "@hourly");
    const paused = await api.POST("/v1/schedules/{name}/pause", { params: { path: { name: "ctl-pause" } } });
    expect(paused.response.status).toBe(200);
    expect(paused.data).toMatchObject({ name: "ctl-pause", schedule: "@hourly", paused: true });
    expect(Date.parse(paused.data!.paused_at!)).toBeGreaterThan(Date.now() - 60_000);
    expect(await rawKey("scheduled_tasks.ctl-pause")).toBeUndefined();
    expect(await rawKey("ajc_paused_schedules.ctl-pause")).toMatchObject({
      name: "ctl-pause",
      schedule: "@hourly",
      paused_at: paused.data!.paused_at,
    });
    // The representation says so everywhere; pausing again changes nothing.
    const one = await api.GET("/v1/schedules/{name}", { params: { path: { name: "ctl-pause" } } });
    expect(one.data).toEqual(paused.data!);
    const list = await api.GET("/v1/schedules");
    expect(list.data!.schedules.find((s) => s.name === "ctl-pause")).toEqual(paused.data!);
    const again = await api.POST("/v1/schedules/{name}/pause", { params: { path: { name: "ctl-pause" } } });
    expect(again.data).toEqual(paused.data!);

    // A paused schedule can be replaced and stays paused; its name is still taken.
    const put = await api.PUT("/v1/schedules/{name}", {
      params: { path: { name: "ctl-pause" } },
      body: { schedule: "@every 10m", queue: "CTL", task_type: "ctl:run" },
    });
    expect(put.data).toMatchObject({
      schedule: "@every 10m",
      paused: true,
      paused_at: paused.data!.paused_at,
    });
    expect(await rawKey("scheduled_tasks.ctl-pause")).toBeUndefined();
    expectError(
      await env.call("POST", "/v1/schedules", {
        json: { name: "ctl-pause", schedule: "@daily", queue: "CTL", task_type: "ctl:run" },
      }),
      409,
      "schedule_already_exists",
    );

    const resumed = await api.POST("/v1/schedules/{name}/resume", {
      params: { path: { name: "ctl-pause" } },
    });
    expect(resumed.response.status).toBe(200);
    expect(resumed.data).not.toHaveProperty("paused");
    expect(resumed.data).not.toHaveProperty("paused_at");
    expect(resumed.data).toMatchObject({ name: "ctl-pause", schedule: "@every 10m" });
    expect(await rawKey("ajc_paused_schedules.ctl-pause")).toBeUndefined();
    // Stored exactly in the Go form again.
    expect(Object.keys((await rawKey("scheduled_tasks.ctl-pause"))!)).toEqual([
      "name",
      "schedule",
      "queue",
      "task_type",
      "payload",
      "max_tries",
      "created_at",
    ]);
    const twice = await api.POST("/v1/schedules/{name}/resume", { params: { path: { name: "ctl-pause" } } });
    expect(twice.data).toEqual(resumed.data!);
  });

  test("a pause that was interrupted (both keys) counts as paused, and the next pause or resume finishes it", async () => {
    await create("ctl-half", "@hourly");
    const kv = await new Kvm(env.client.storage.jet.nc).open("CHORIA_AJ_CONFIGURATION");
    const stored = (await rawKey("scheduled_tasks.ctl-half"))!;
    await kv.put(
      "ajc_paused_schedules.ctl-half",
      JSON.stringify({ ...stored, paused_at: "2026-01-01T00:00:00Z" }),
    );
    const half = await api.GET("/v1/schedules/{name}", { params: { path: { name: "ctl-half" } } });
    expect(half.data).toMatchObject({ paused: true, paused_at: "2026-01-01T00:00:00Z" });
    await api.POST("/v1/schedules/{name}/pause", { params: { path: { name: "ctl-half" } } });
    expect(await rawKey("scheduled_tasks.ctl-half")).toBeUndefined();
    expect(await rawKey("ajc_paused_schedules.ctl-half")).toMatchObject({
      paused_at: "2026-01-01T00:00:00Z",
    });
  });

  test("trigger enqueues the schedule's task once, now, paused or not; unknown names are 404", async () => {
    await create("ctl-trig", "@yearly", {
      payload: { n: 7 },
      max_tries: 4,
      deadline_offset: "2m",
      task_type: "ctl:trig",
    });
    const r = await api.POST("/v1/schedules/{name}/trigger", { params: { path: { name: "ctl-trig" } } });
    expect(r.response.status).toBe(201);
    expect(r.response.headers.get("location")).toBe(`/v1/tasks/${r.data!.id}`);
    expect(r.data).toMatchObject({ type: "ctl:trig", queue: "CTL", state: "new", max_tries: 4 });
    expect(Buffer.from(r.data!.payload!, "base64").toString()).toBe('{"n":7}');
    expect(Date.parse(r.data!.deadline!) - Date.parse(r.data!.created)).toBeCloseTo(120_000, -3);
    expect((await tasksOfType("ctl:trig")).map((t) => t.id)).toEqual([r.data!.id]);
    // The work item is in the queue: a worker would get it.
    expect((await env.client.queueInfo("CTL")).entries).toBeGreaterThanOrEqual(1);

    await api.POST("/v1/schedules/{name}/pause", { params: { path: { name: "ctl-trig" } } });
    const again = await api.POST("/v1/schedules/{name}/trigger", { params: { path: { name: "ctl-trig" } } });
    expect(again.response.status).toBe(201);
    expect(again.data!.id).not.toBe(r.data!.id);
    expect(await tasksOfType("ctl:trig")).toHaveLength(2);

    for (const op of ["trigger", "pause", "resume"]) {
      expectError(await env.call("POST", `/v1/schedules/ctl-none/${op}`), 404, "schedule_not_found");
    }
    expectError(await env.call("POST", "/v1/schedules/bad%20name/trigger"), 400, "schedule_invalid");
  });

  test("trigger of a schedule whose queue is gone is a 404 and stores nothing", async () => {
    await env.client.createQueue({ name: "CTL_GONE" });
    await api.POST("/v1/schedules", {
      body: { name: "ctl-gone", schedule: "@daily", queue: "CTL_GONE", task_type: "ctl:gone" },
    });
    await env.client.deleteQueue("CTL_GONE");
    expectError(await env.call("POST", "/v1/schedules/ctl-gone/trigger"), 404, "queue_not_found");
    expect(await tasksOfType("ctl:gone")).toEqual([]);
  });

  test("delete removes a paused schedule too", async () => {
    await create("ctl-del");
    await api.POST("/v1/schedules/{name}/pause", { params: { path: { name: "ctl-del" } } });
    const r = await api.DELETE("/v1/schedules/{name}", { params: { path: { name: "ctl-del" } } });
    expect(r.response.status).toBe(204);
    expect(await rawKey("ajc_paused_schedules.ctl-del")).toBeUndefined();
    expectError(await env.call("GET", "/v1/schedules/ctl-del"), 404, "schedule_not_found");
  });
});

describe("with the compiled binary's scheduler running", () => {
  let scheduler: AjcProcess;
  beforeAll(async () => {
    ajcBinary();
    scheduler = spawnAjc(["task", "cron", "scheduler", "ctl-sched", "--rescue-every", "0"], {
      env: { NATS_URL: env.nats.url },
    });
    await scheduler.waitFor("ctl-sched is now the leader", 20_000);
  });
  afterAll(() => scheduler?.stop("SIGKILL"));

  test("pause holds, resume fires again; trigger enqueues once; an update changes the next firing", async () => {
    const ajc = (...args: string[]) => runAjc(args, { env: { NATS_URL: env.nats.url } });
    // An update: a schedule that would fire in an hour is changed to every second, and fires.
    await create("ctl-live", "@every 1h", { task_type: "ctl:live" });
    await scheduler.waitFor("added schedule ctl-live");
    expect(await tasksOfType("ctl:live")).toEqual([]);
    const edited = await ajc("task", "cron", "edit", "ctl-live", "--schedule", "every 1s");
    expect(edited.code).toBe(0);
    expect(edited.stdout).toContain("@every 1s");
    await until(
      "the updated schedule to fire twice",
      async () => (await tasksOfType("ctl:live")).length >= 2,
    );

    // Pause: once the scheduler has seen it, nothing more fires for several due times.
    const paused = await ajc("task", "cron", "pause", "ctl-live");
    expect(paused.code).toBe(0);
    expect(paused.stdout).toContain("Paused");
    await scheduler.waitFor("removed schedule ctl-live");
    await Bun.sleep(500); // a firing already under way when the pause arrived lands
    const atPause = (await tasksOfType("ctl:live")).length;
    await Bun.sleep(3_500);
    expect(await tasksOfType("ctl:live")).toHaveLength(atPause);

    // Trigger while paused: exactly one task, now.
    const trig = await ajc("task", "cron", "trigger", "ctl-live", "--json");
    expect(trig.code).toBe(0);
    const task = JSON.parse(trig.stdout) as Task;
    expect(task).toMatchObject({ type: "ctl:live", queue: "CTL" });
    await Bun.sleep(1_500);
    const afterTrigger = await tasksOfType("ctl:live");
    expect(afterTrigger).toHaveLength(atPause + 1);
    expect(afterTrigger.filter((t) => t.id === task.id)).toHaveLength(1);

    // Resume: it fires again.
    const resumed = await ajc("task", "cron", "resume", "ctl-live");
    expect(resumed.code).toBe(0);
    await until(
      "the resumed schedule to fire",
      async () => (await tasksOfType("ctl:live")).length >= atPause + 3,
    );
    await ajc("task", "cron", "pause", "ctl-live");
  });

  test("the CLI's errors: unknown schedules and bad cron expressions", async () => {
    const ajc = (...args: string[]) => runAjc(args, { env: { NATS_URL: env.nats.url } });
    for (const cmd of ["pause", "resume", "trigger"]) {
      const r = await ajc("task", "cron", cmd, "ctl-none");
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain("schedule not found");
    }
    const bad = await ajc("task", "cron", "edit", "ctl-put", "--schedule", "bogus");
    expect(bad.code).not.toBe(0);
    expect((await env.client.loadSchedule("ctl-put")).schedule).toBe("@every 5m");
  });
});
