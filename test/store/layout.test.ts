/**
 * Every JetStream object we create, read back with the JetStream API and checked field by field
 * against the spec's storage table.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
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

describe("task store", () => {
  test("CHORIA_AJ_TASKS as created by default", async () => {
    const { config } = await raw.jsm.streams.info("CHORIA_AJ_TASKS");
    expect(config.name).toBe("CHORIA_AJ_TASKS");
    expect(config.subjects).toEqual(["CHORIA_AJ.T.*"]);
    expect(config.retention).toBe("limits");
    expect(config.max_msgs_per_subject).toBe(1);
    expect(config.storage).toBe("file");
    expect(config.num_replicas).toBe(1);
    expect(config.max_age).toBe(0);
    expect(config.description).toBe("Choria Async Jobs Tasks");
  });

  test("retention and memory storage as asked when it is created", async () => {
    await raw.jsm.streams.delete("CHORIA_AJ_TASKS");
    const c = await env.connect({ taskStore: { memory: true, retentionNs: 3600 * S, replicas: 1 } });
    const { config } = await raw.jsm.streams.info("CHORIA_AJ_TASKS");
    expect(config.storage).toBe("memory");
    expect(config.max_age).toBe(3600 * S);
    await c.configureTaskStore(2 * 3600 * S, 1);
    expect((await raw.jsm.streams.info("CHORIA_AJ_TASKS")).config.max_age).toBe(2 * 3600 * S);
  });

  test("replicas outside 1..5 are refused", async () => {
    await expect(env.client.configureTaskStore(0, 6)).rejects.toMatchObject({ field: "replicas" });
  });
});

describe("work queues", () => {
  test("stream CHORIA_AJ_Q_<name> with the library defaults", async () => {
    await env.client.createQueue({ name: "DEFAULTS" });
    const { config } = await raw.jsm.streams.info("CHORIA_AJ_Q_DEFAULTS");
    expect(config.subjects).toEqual(["CHORIA_AJ.Q.DEFAULTS.>"]);
    expect(config.retention).toBe("workqueue");
    expect(config.max_msgs_per_subject).toBe(1);
    expect(config.storage).toBe("file");
    expect(config.num_replicas).toBe(1);
    expect(config.max_age).toBe(0);
    expect(config.max_msgs).toBe(-1);
    expect(config.discard).toBe("new");
    expect(config.description).toBe("Choria Async Jobs Work Queue");
  });

  test("consumer WORKERS with the library defaults", async () => {
    const { config } = await raw.jsm.consumers.info("CHORIA_AJ_Q_DEFAULTS", "WORKERS");
    expect(config.durable_name).toBe("WORKERS");
    expect(config.deliver_subject).toBeUndefined(); // a pull consumer
    expect(config.ack_policy).toBe("explicit");
    expect(config.ack_wait).toBe(3600 * S);
    expect(config.max_ack_pending).toBe(100);
    expect(config.max_deliver).toBe(-1);
  });

  test("every setting given", async () => {
    await env.client.createQueue(
      {
        name: "TUNED",
        max_age: "2h",
        max_entries: 1000,
        discard_old: true,
        max_tries: 5,
        max_runtime: "30s",
        max_concurrent: 7,
      },
      { memory: true, replicas: 1 },
    );
    const s = (await raw.jsm.streams.info("CHORIA_AJ_Q_TUNED")).config;
    expect(s.storage).toBe("memory");
    expect(s.max_age).toBe(7200 * S);
    expect(s.max_msgs).toBe(1000);
    expect(s.discard).toBe("old");
    const c = (await raw.jsm.consumers.info("CHORIA_AJ_Q_TUNED", "WORKERS")).config;
    expect(c.ack_wait).toBe(30 * S);
    expect(c.max_ack_pending).toBe(7);
    expect(c.max_deliver).toBe(5);
  });

  test("max tries 0 means unlimited: max deliver -1", async () => {
    await env.client.createQueue({ name: "ZERO", max_tries: 0 });
    expect((await raw.jsm.consumers.info("CHORIA_AJ_Q_ZERO", "WORKERS")).config.max_deliver).toBe(-1);
  });

  test("a work item: subject, body and Nats-Msg-Id header; no header for a retry", async () => {
    const t = env.client.newTask("x", null);
    await env.client.enqueue(t, "DEFAULTS");
    const m = await raw.jsm.streams.getMessage("CHORIA_AJ_Q_DEFAULTS", {
      last_by_subj: `CHORIA_AJ.Q.DEFAULTS.${t.id}`,
    });
    expect(m!.string()).toBe(`{"kind":0,"job":"${t.id}"}`);
    expect(m!.header.get("Nats-Msg-Id")).toBe(t.id);
    await raw.jsm.streams.purge("CHORIA_AJ_Q_DEFAULTS");
    await env.client.retryTask(t.id);
    const again = await raw.jsm.streams.getMessage("CHORIA_AJ_Q_DEFAULTS", {
      last_by_subj: `CHORIA_AJ.Q.DEFAULTS.${t.id}`,
    });
    expect(again!.string()).toBe(`{"kind":0,"job":"${t.id}"}`);
    expect(again!.header?.get("Nats-Msg-Id") ?? "").toBe("");
  });

  test("one task is one message on its subject, the task JSON", async () => {
    const t = env.client.newTask("x", "e30=");
    await env.client.enqueue(t, "DEFAULTS");
    const m = await raw.jsm.streams.getMessage("CHORIA_AJ_TASKS", { last_by_subj: `CHORIA_AJ.T.${t.id}` });
    expect(m!.json()).toMatchObject({
      id: t.id,
      type: "x",
      queue: "DEFAULTS",
      payload: "e30=",
      state: "new",
    });
  });
});

describe("key-value buckets", () => {
  test("CHORIA_AJ_CONFIGURATION", async () => {
    const { config } = await raw.jsm.streams.info("KV_CHORIA_AJ_CONFIGURATION");
    expect(config.description).toBe("Choria Async Jobs Configuration");
    expect(config.max_age).toBe(0);
    expect(config.subjects).toEqual(["$KV.CHORIA_AJ_CONFIGURATION.>"]);
  });

  test("CHORIA_AJ_ELECTIONS: TTL 10s", async () => {
    await env.client.storage.elections();
    const { config } = await raw.jsm.streams.info("KV_CHORIA_AJ_ELECTIONS");
    expect(config.description).toBe("Choria Async Jobs Leader Elections");
    expect(config.max_age).toBe(10 * S);
    expect((await (await raw.kvm.open("CHORIA_AJ_ELECTIONS")).status()).ttl).toBe(10_000);
  });

  test("a schedule is the JSON under scheduled_tasks.<name>", async () => {
    await env.client.createSchedule({
      name: "nightly",
      schedule: "@daily",
      queue: "DEFAULTS",
      task_type: "x",
      payload: null,
      max_tries: 10,
      created_at: "2024-04-14T10:00:00Z",
    });
    const kv = await raw.kvm.open("CHORIA_AJ_CONFIGURATION");
    expect((await kv.get("scheduled_tasks.nightly"))!.string()).toBe(
      '{"name":"nightly","schedule":"@daily","queue":"DEFAULTS","task_type":"x","payload":null,"max_tries":10,"created_at":"2024-04-14T10:00:00Z"}',
    );
  });
});
