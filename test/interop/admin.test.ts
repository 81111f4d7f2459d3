/**
 * The Go CLI reads what ajc wrote and ajc reads what the Go CLI wrote: queues (`queues ls/info`),
 * tasks (`tasks ls/view`), schedules (`tasks cron ls/view`) and the task store's settings.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { startApi } from "../helpers/http.ts";
import { describeInterop } from "./go-tools.ts";
import { enqueuedId, type Interop, payloadText, startInterop } from "./harness.ts";

const NS = 1_000_000_000;

describeInterop("administration across ajc and the Go CLI", () => {
  let w: Interop;
  /** The task the Go CLI added. */
  let goTaskId = "";
  beforeAll(async () => {
    w = await startInterop();
  });
  afterAll(() => w?.close());

  /** Runs the Go CLI and asserts it succeeded. */
  const goOk = async (...args: string[]) => {
    const r = await w.goAjc(...args);
    expect({ args, code: r.code, stderr: r.stderr }).toEqual({ args, code: 0, stderr: r.stderr });
    return r.stdout;
  };
  const ajcOk = async (...args: string[]) => {
    const r = await w.ajc(...args);
    expect({ args, code: r.code, stderr: r.stderr }).toEqual({ args, code: 0, stderr: r.stderr });
    return r.stdout;
  };

  test("a queue ajc made, as Go `queues ls` and `queues info` show it", async () => {
    await ajcOk(
      "queue",
      "add",
      "ADMQ",
      "--tries",
      "5",
      "--run-time",
      "2m",
      "--concurrent",
      "7",
      "--entries",
      "100",
      "--age",
      "1h",
    );
    const ls = await goOk("queues", "ls");
    expect(ls).toMatch(/│ ADMQ +│ 0 +│ 0 B +│ 1 +│ 5 +│ 100 +│ 7 +│/);
    const info = await goOk("queues", "info", "ADMQ");
    expect(info).toMatch(/Archive Period: 1h0m0s/);
    expect(info).toMatch(/Max Task Tries: 5/);
    expect(info).toMatch(/Max Run Time: 2m0s/);
    expect(info).toMatch(/Max Concurrent: 7/);
    expect(info).toMatch(/Max Entries: 100/);
  });

  test("a queue the Go CLI made, as ajc's client and `ajc queue info` read it", async () => {
    await goOk(
      "queues",
      "add",
      "GOQ",
      "--tries",
      "4",
      "--run-time",
      "90s",
      "--concurrent",
      "3",
      "--entries",
      "50",
      "--discard-old",
    );
    expect(await w.client.queueInfo("GOQ")).toMatchObject({
      name: "GOQ",
      max_tries: 4,
      max_runtime: 90 * NS,
      max_concurrent: 3,
      max_entries: 50,
      discard_old: true,
    });
    const info = JSON.parse(await ajcOk("queue", "info", "GOQ", "--json"));
    expect(info).toMatchObject({ name: "GOQ", max_tries: 4, max_concurrent: 3, max_entries: 50 });
  });

  test("a task ajc added, in Go `tasks ls` and byte for byte in `tasks view --json`", async () => {
    const id = enqueuedId(
      await ajcOk("task", "add", "adm:one", '{"x":1}', "-q", "ADMQ", "--tries", "3", "--deadline", "1h"),
    );
    const ls = await goOk("tasks", "ls");
    expect(ls).toContain(id);
    const goView = JSON.parse(await goOk("tasks", "view", id, "--json"));
    const ours = await w.client.loadTask(id);
    expect(goView).toMatchObject({
      id,
      type: "adm:one",
      queue: "ADMQ",
      state: "new",
      max_tries: 3,
      tries: 0,
    });
    expect(goView.payload).toBe(ours.payload);
    expect(Date.parse(goView.deadline)).toBe(Date.parse(ours.deadline ?? ""));
    expect(Date.parse(goView.created)).toBe(Date.parse(ours.created));
  });

  test("a task the Go CLI added, in `ajc task ls` and `ajc task view --json`", async () => {
    const id = enqueuedId(await w.goAjc("tasks", "add", "adm:go", '{"y":2}', "-q", "GOQ", "--tries", "2"));
    goTaskId = id;
    expect(await ajcOk("task", "ls")).toContain(id);
    const view = JSON.parse(await ajcOk("task", "view", id, "--json"));
    expect(view).toMatchObject({ id, type: "adm:go", queue: "GOQ", state: "new", max_tries: 2, tries: 0 });
    // The Go CLI JSON-encodes its payload argument (a JSON string holding the text).
    expect(payloadText(view)).toBe(JSON.stringify('{"y":2}'));
  });

  test("a schedule ajc stored, in Go `tasks cron ls` and `tasks cron view --json`", async () => {
    await ajcOk(
      "task",
      "cron",
      "add",
      "nightly",
      "@every 1h",
      "report:make",
      "--payload",
      '{"k":1}',
      "-q",
      "ADMQ",
      "--deadline",
      "1m",
      "--tries",
      "3",
    );
    const ls = await goOk("tasks", "cron", "ls");
    expect(ls).toMatch(/│ nightly +│ @every 1h +│ ADMQ +│ report:make +│/);
    const view = JSON.parse(await goOk("tasks", "cron", "view", "nightly", "--json"));
    expect(view).toMatchObject({
      name: "nightly",
      schedule: "@every 1h",
      queue: "ADMQ",
      task_type: "report:make",
      payload: Buffer.from('{"k":1}').toString("base64"),
      deadline: 60 * NS,
      max_tries: 3,
    });
  });

  test("a schedule the Go CLI stored, in `ajc task cron ls` and `ajc task cron view --json`", async () => {
    await goOk(
      "tasks",
      "cron",
      "add",
      "gosched",
      "0 3 * * *",
      "go:report",
      "--payload",
      "p",
      "-q",
      "GOQ",
      "--tries",
      "4",
      "--deadline",
      "2m",
    );
    expect(await ajcOk("task", "cron", "ls")).toMatch(/gosched +0 3 \* \* \* +GOQ +go:report/);
    const view = JSON.parse(await ajcOk("task", "cron", "view", "gosched", "--json"));
    expect(view).toMatchObject({
      name: "gosched",
      schedule: "0 3 * * *",
      queue: "GOQ",
      task_type: "go:report",
      deadline: 120 * NS,
      max_tries: 4,
    });
    expect(await w.client.loadSchedule("gosched")).toMatchObject({ name: "gosched", max_tries: 4 });
  });

  test("the task store's retention, set by either side, read by the other", async () => {
    await ajcOk("task", "configure", "36h");
    expect(await goOk("info")).toMatch(/Tasks Storage:[\s\S]*Archive Period: 1d12h0m0s/);
    await goOk("tasks", "configure", "48h", "1");
    expect((await w.client.taskStoreInfo()).retentionNs).toBe(48 * 3600 * NS);
    expect(await ajcOk("info")).toMatch(/Retention: 48h0m0s|Retention: 2d/);
  });

  test("our HTTP API reads the queue, task and schedule the Go CLI wrote", async () => {
    const api = await startApi({ nats: w.nats, server: { queue: "GOQ" } });
    try {
      const q = await api.call("GET", "/v1/queues/GOQ");
      expect(q.status).toBe(200);
      expect(q.body).toMatchObject({ name: "GOQ", max_tries: 4, max_concurrent: 3, max_entries: 50 });
      const t = await api.call("GET", `/v1/tasks/${goTaskId}`);
      expect(t.status).toBe(200);
      expect(t.body).toMatchObject({ id: goTaskId, type: "adm:go", queue: "GOQ", max_tries: 2 });
      const s = await api.call("GET", "/v1/schedules/gosched");
      expect(s.status).toBe(200);
      expect(s.body).toMatchObject({
        name: "gosched",
        schedule: "0 3 * * *",
        queue: "GOQ",
        task_type: "go:report",
      });
    } finally {
      await api.close();
    }
  });

  test("the Go CLI reads a queue and a schedule made through our HTTP API", async () => {
    const api = await startApi({ nats: w.nats, server: { queue: "ADMQ" } });
    try {
      const q = await api.call("POST", "/v1/queues", {
        json: {
          name: "HTTPQ",
          max_age: "2h",
          max_entries: 9,
          max_tries: 6,
          max_runtime: "45s",
          max_concurrent: 2,
        },
      });
      expect(q.status).toBe(201);
      const s = await api.call("POST", "/v1/schedules", {
        json: {
          name: "weekly",
          schedule: "0 6 * * 1",
          queue: "HTTPQ",
          task_type: "report:weekly",
          payload: { kind: "summary" },
          deadline_offset: "1h",
          max_tries: 3,
        },
      });
      expect(s.status).toBe(201);
    } finally {
      await api.close();
    }
    const info = await goOk("queues", "info", "HTTPQ");
    for (const line of [
      /Archive Period: 2h0m0s/,
      /Max Task Tries: 6/,
      /Max Run Time: 45.00s/,
      /Max Concurrent: 2/,
      /Max Entries: 9/,
    ]) {
      expect(info).toMatch(line);
    }
    const view = JSON.parse(await goOk("tasks", "cron", "view", "weekly", "--json"));
    expect(view).toMatchObject({
      name: "weekly",
      schedule: "0 6 * * 1",
      queue: "HTTPQ",
      task_type: "report:weekly",
      payload: Buffer.from('{"kind":"summary"}').toString("base64"),
      deadline: 3600 * NS,
      max_tries: 3,
    });
  });

  test("command lines written for the Go CLI, with its aliases, work in ajc too", async () => {
    for (const [who, run] of [
      ["go", goOk],
      ["ajc", ajcOk],
    ] as const) {
      const q = `AL${who.toUpperCase()}`;
      await run("queues", "a", q);
      await run("queues", "n", `${q}2`);
      expect(await run("queues", "i", q)).toContain(q);
      await run("queues", "cfg", q, "--tries", "3");
      expect((await w.client.queueInfo(q)).max_tries).toBe(3);
      const id = enqueuedId(await run("tasks", "a", "al:x", "{}", "-q", q));
      for (const alias of ["v", "i", "info", "show"]) expect(await run("tasks", alias, id)).toContain(id);
      await run("tasks", "del", id, "-f");
      await run("tasks", "cfg", "24h", "1");
      await run("tasks", "c", "a", `${who}-sched`, "0 1 * * *", "al:y", "-q", q);
      expect(await run("tasks", "c", "v", `${who}-sched`)).toContain("0 1 * * *");
      await run("tasks", "c", "del", `${who}-sched`, "-f");
    }
  });
});
