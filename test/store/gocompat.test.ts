/**
 * Data written the way the Go asyncjobs library writes it, by hand, is read and managed correctly:
 * a task with a KSUID id, nanosecond times and a null payload; a queue made with Go's settings; a
 * schedule in the configuration bucket.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { AckPolicy, DeliverPolicy, DiscardPolicy, RetentionPolicy, StorageType } from "@nats-io/jetstream";
import { headers } from "@nats-io/nats-core";
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

const S = 1_000_000_000;
const KSUID = "2BvYLXWHBYeFQJvY9AkuZw6wQm0";
const goTask = {
  id: KSUID,
  type: "email:new",
  queue: "GOQ",
  payload: null,
  deadline: "2099-02-08T00:00:00.000000001Z",
  max_tries: 10,
  state: "new",
  created: "2022-02-07T10:16:42.123456789Z",
  tries: 0,
};

describe("a Go-made queue", () => {
  test("its stream and consumer, made with Go's settings, are read with their settings", async () => {
    await raw.jsm.streams.add({
      name: "CHORIA_AJ_Q_GOQ",
      subjects: ["CHORIA_AJ.Q.GOQ.>"],
      retention: RetentionPolicy.Workqueue,
      max_msgs_per_subject: 1,
      storage: StorageType.File,
      num_replicas: 1,
      max_age: 3600 * S,
      max_msgs: 500,
      discard: DiscardPolicy.Old,
      description: "Choria Async Jobs Work Queue",
    });
    await raw.jsm.consumers.add("CHORIA_AJ_Q_GOQ", {
      durable_name: "WORKERS",
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      ack_wait: 30 * 60 * S,
      max_ack_pending: 5,
      max_deliver: 3,
    });
    expect(await env.client.queueInfo("GOQ")).toMatchObject({
      name: "GOQ",
      max_age: 3600 * S,
      max_entries: 500,
      discard_old: true,
      max_tries: 3,
      max_runtime: 30 * 60 * S,
      max_concurrent: 5,
    });
    expect((await env.client.listQueues()).map((q) => q.name)).toEqual(["GOQ"]);
  });

  test("joining it keeps Go's settings", async () => {
    const info = await env.client.ensureQueue({ name: "GOQ", max_concurrent: 100 });
    expect(info.max_concurrent).toBe(5);
    expect((await raw.jsm.consumers.info("CHORIA_AJ_Q_GOQ", "WORKERS")).config.max_ack_pending).toBe(5);
  });
});

describe("a Go-written task", () => {
  test("is loaded with its KSUID, nanosecond times and null payload", async () => {
    const h = headers();
    h.set("Nats-Expected-Last-Subject-Sequence", "0");
    await raw.js.publish(`CHORIA_AJ.T.${KSUID}`, JSON.stringify(goTask), { headers: h });
    const t = await env.client.loadTask(KSUID);
    expect(t).toEqual({ ...goTask, state: "new" });
  });

  test("is listed", async () => {
    const ids: string[] = [];
    for await (const t of env.client.listTasks()) ids.push(t.id);
    expect(ids).toContain(KSUID);
  });

  test("can be retried into its own queue; its times survive the save to the byte", async () => {
    await env.client.retryTask(KSUID);
    const m = await raw.jsm.streams.getMessage("CHORIA_AJ_TASKS", { last_by_subj: `CHORIA_AJ.T.${KSUID}` });
    const stored = m!.json<Record<string, unknown>>();
    expect(stored).toEqual({ ...goTask, state: "retry" });
    expect(m!.string()).toContain('"created":"2022-02-07T10:16:42.123456789Z"');
    const item = await raw.jsm.streams.getMessage("CHORIA_AJ_Q_GOQ", {
      last_by_subj: `CHORIA_AJ.Q.GOQ.${KSUID}`,
    });
    expect(item!.json()).toEqual({ kind: 0, job: KSUID });
  });

  test("a completed task with a result, Go's `completed` state spelling included", async () => {
    const done = {
      ...goTask,
      id: "2BvYLXWHBYeFQJvY9AkuZw6wQm1",
      state: "completed",
      result: { payload: { sent: true }, completed: "2022-02-07T10:16:43.5Z" },
      tried: "2022-02-07T10:16:43.000000001Z",
      tries: 1,
    };
    await raw.js.publish(`CHORIA_AJ.T.${done.id}`, JSON.stringify(done));
    expect(await env.client.loadTask(done.id)).toMatchObject({
      state: "complete",
      result: { payload: { sent: true }, completed: "2022-02-07T10:16:43.5Z" },
      tried: "2022-02-07T10:16:43.000000001Z",
    });
    await env.client.deleteTask(done.id);
    await expect(env.client.loadTask(done.id)).rejects.toMatchObject({ reason: "task_not_found" });
  });
});

describe("a Go-written schedule", () => {
  test("is loaded and listed from the bucket", async () => {
    const kv = await raw.kvm.open("CHORIA_AJ_CONFIGURATION");
    const go = {
      name: "go_nightly",
      schedule: "CRON_TZ=Europe/Berlin 0 2 * * *",
      queue: "GOQ",
      task_type: "report:run",
      payload: "eyJ4IjoxfQ==",
      deadline: 3600 * S,
      max_tries: 5,
      created_at: "2022-02-07T10:16:42.123456789Z",
    };
    await kv.put("scheduled_tasks.go_nightly", JSON.stringify(go));
    expect(await env.client.loadSchedule("go_nightly")).toEqual(go);
    expect((await env.client.listSchedules()).map((s) => s.name)).toEqual(["go_nightly"]);
    await env.client.deleteSchedule("go_nightly");
    expect(await kv.get("scheduled_tasks.go_nightly")).toMatchObject({ operation: "DEL" });
  });
});
