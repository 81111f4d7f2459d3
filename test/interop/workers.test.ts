/**
 * Tasks cross between ajc and the Go asyncjobs library (the version test/interop/go.mod pins) in
 * both directions: what our HTTP API, CLI and client create, the Go worker (NewTaskRouter) and the
 * Go CLI's `tasks process` handle; what the Go client and Go CLI enqueue, `ajc task process` and
 * our worker library handle. Each side then reads the other's outcome (state, result, last_err,
 * tries), through retries, failure, expiry on max tries and on the deadline, termination and
 * dependencies.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import type { Task } from "../../src/core/task.ts";
import { Router, runWorker, TerminateTaskError } from "../../src/worker/index.ts";
import type { AjcProcess } from "../helpers/binary.ts";
import { type ApiEnv, startApi } from "../helpers/http.ts";
import { describeInterop } from "./go-tools.ts";
import { enqueuedId, FINAL_STATES, type GoTask, type Interop, payloadText, startInterop } from "./harness.ts";

const final = (t: Task) => FINAL_STATES.has(t.state);

/** What a task's payload asks the handler to do (gohelper's worker reads the same). */
interface Instruction {
  do?: "ok" | "fail" | "fail_until" | "terminate";
  error?: string;
  tries?: number;
  result?: unknown;
}

describeInterop("ajc creates, the Go library and Go CLI process", () => {
  let w: Interop;
  let api: ApiEnv;
  let goWorker: AjcProcess;
  beforeAll(async () => {
    w = await startInterop();
    await w.client.createQueue({ name: "GOW" });
    api = await startApi({ nats: w.nats, server: { queue: "GOW" } });
    goWorker = w.spawnGo("helper", ["worker", w.nats.url, "GOW", "go:work", "--concurrency", "4"]);
    await goWorker.waitFor('"ready":true');
  });
  afterAll(async () => {
    await api?.close();
    await w?.close();
  });

  const viaHttp = async (payload: Instruction, extra: Record<string, unknown> = {}) => {
    const r = await api.call("POST", "/v1/tasks", { json: { type: "go:work", payload, ...extra } });
    expect(r.status).toBe(201);
    return r.body.id as string;
  };
  const viaCli = async (payload: Instruction, ...flags: string[]) => {
    const r = await w.ajc("task", "add", "go:work", JSON.stringify(payload), "-q", "GOW", ...flags);
    expect(r.code).toBe(0);
    return enqueuedId(r);
  };

  test("an HTTP-created task completes in the Go worker; both sides read the result", async () => {
    const id = await viaHttp({ do: "ok", result: { n: 1 } });
    const t = await w.waitTask(id, final);
    expect(t).toMatchObject({ state: "complete", tries: 1, result: { payload: { n: 1 } } });
    expect(t.last_err).toBeUndefined();
    const viaGo = await w.helper("load", id);
    expect(viaGo).toMatchObject({ state: "complete", tries: 1, result: { payload: { n: 1 } } });
    const http = await api.call("GET", `/v1/tasks/${id}`);
    expect(http.body).toMatchObject({ state: "complete", result: { payload: { n: 1 } } });
  });

  test("a CLI-created task that fails once is retried by Go and completes on the second try", async () => {
    const id = await viaCli({ do: "fail_until", tries: 2, result: "second" });
    const t = await w.waitTask(id, final, 30_000);
    expect(t).toMatchObject({ state: "complete", tries: 2, result: { payload: "second" } });
    expect(t.last_err).toBeUndefined();
  });

  test("failing every try ends expired on max tries with Go's last_err", async () => {
    const id = await viaHttp({ do: "fail", error: "smtp down" }, { max_tries: 2 });
    const t = await w.waitTask(id, final, 40_000);
    expect(t).toMatchObject({ state: "expired", tries: 2, last_err: "smtp down" });
    const view = await w.ajc("task", "view", id, "--json");
    expect(JSON.parse(view.stdout)).toMatchObject({ state: "expired", last_err: "smtp down" });
  });

  test("`ajc task retry` of a task Go completed: Go runs it again, its tries counted afresh", async () => {
    const id = await viaHttp({ do: "ok", result: "again" });
    const first = await w.waitTask(id, final);
    const r = await w.ajc("task", "retry", id);
    expect(r.code).toBe(0);
    // A retry by hand starts tries from 0 (docs/go-tools.md, "A retry by hand starts afresh"), so
    // Go's second run shows as a newer `tried` with tries 1.
    const t = await w.waitTask(id, (x) => final(x) && x.tried !== first.tried);
    expect(t).toMatchObject({ state: "complete", tries: 1, result: { payload: "again" } });
  });

  test("ErrTerminateTask in Go ends the task terminated after one try", async () => {
    const id = await viaCli({ do: "terminate" });
    const t = await w.waitTask(id, final);
    expect(t).toMatchObject({ state: "terminated", tries: 1 });
    expect(t.last_err).toContain("terminate task");
  });

  test("a task past its deadline when Go first sees it expires untried", async () => {
    await w.client.createQueue({ name: "GOLATE" });
    const deadline = new Date(Date.now() + 1_000).toISOString();
    const r = await api.call("POST", "/v1/tasks", {
      json: { type: "go:work", queue: "GOLATE", payload: { do: "ok" }, deadline },
    });
    expect(r.status).toBe(201);
    while (Date.now() <= Date.parse(deadline)) await Bun.sleep(50);
    const late = w.spawnGo("helper", ["worker", w.nats.url, "GOLATE", "go:work"]);
    const t = await w.waitTask(r.body.id, final);
    await late.stop();
    expect(t).toMatchObject({ state: "expired", tries: 0 });
  });

  test("dependencies made by ajc: Go waits for them and hands over their results", async () => {
    const first = await viaHttp({ do: "ok", result: { from: "first" } });
    const r = await api.call("POST", "/v1/tasks", {
      json: {
        type: "go:work",
        payload: { do: "ok", result: "then" },
        dependencies: [first],
        load_dependencies: true,
      },
    });
    expect(r.status).toBe(201);
    expect(r.body.state).toBe("blocked");
    const t = await w.waitTask(r.body.id, final, 30_000);
    expect(t).toMatchObject({ state: "complete", result: { payload: "then" } });
    const handled = goWorker
      .output()
      .split("\n")
      .filter((l) => l.includes(`"handled":"${r.body.id}"`))
      .map((l) => JSON.parse(l));
    expect(handled.at(-1).dependency_results[first].payload).toEqual({ from: "first" });
  });

  test("a dependency Go terminated leaves the dependent unreachable", async () => {
    const first = await viaHttp({ do: "terminate" });
    const r = await api.call("POST", "/v1/tasks", {
      json: { type: "go:work", payload: { do: "ok" }, dependencies: [first] },
    });
    const t = await w.waitTask(r.body.id, final, 30_000);
    expect(t).toMatchObject({ state: "unreachable", tries: 0 });
    // Go v0.3.0 words it "task dependencies failed: <nil>"; ajc names the dependency and its state.
    expect(t.last_err).toContain("task dependencies failed");
  });

  test("a queue ajc made with fewer tries than the task: Go expires it at the queue's limit", async () => {
    expect((await w.ajc("queue", "add", "GOMAX", "--tries", "2")).code).toBe(0);
    const capped = w.spawnGo("helper", ["worker", w.nats.url, "GOMAX", "go:work"]);
    const r = await api.call("POST", "/v1/tasks", {
      json: { type: "go:work", queue: "GOMAX", payload: { do: "fail", error: "no" }, max_tries: 10 },
    });
    const t = await w.waitTask(r.body.id, final, 40_000);
    await capped.stop();
    expect(t).toMatchObject({ state: "expired", tries: 2, last_err: "no" });
  });

  test("Go `ajc tasks process` runs a command for tasks ajc made; failures expire with its last_err", async () => {
    // One queue per processor: a processor fails (and counts a try for) a type it has no handler for.
    await w.client.createQueue({ name: "GOCLIOK" });
    await w.client.createQueue({ name: "GOCLIBAD" });
    const ok = w.script('test -s "$CHORIA_AJ_TASK" && printf processed-by-go');
    const bad = w.script("echo failing >&2; exit 3");
    const okProc = w.spawnGo("ajc", ["tasks", "process", "cli:ok", "GOCLIOK", "2", ok, "--backoff", "1m"]);
    const badProc = w.spawnGo("ajc", [
      "tasks",
      "process",
      "cli:bad",
      "GOCLIBAD",
      "2",
      bad,
      "--backoff",
      "1m",
    ]);
    const a = enqueuedId(await w.ajc("task", "add", "cli:ok", "{}", "-q", "GOCLIOK"));
    const b = enqueuedId(await w.ajc("task", "add", "cli:bad", "{}", "-q", "GOCLIBAD", "--tries", "2"));
    const done = await w.waitTask(a, final);
    expect(done).toMatchObject({ state: "complete", tries: 1, result: { payload: "processed-by-go" } });
    const failed = await w.waitTask(b, final, 40_000);
    expect(failed).toMatchObject({ state: "expired", tries: 2, last_err: "execution failed: exit status 3" });
    await okProc.stop();
    await badProc.stop();
  });
});

describeInterop("Go creates, ajc processes", () => {
  let w: Interop;
  const stop = new AbortController();
  let worker: Promise<void>;
  /** What our handler saw, by task id. */
  const seen = new Map<string, Task>();
  beforeAll(async () => {
    w = await startInterop();
    await w.client.createQueue({ name: "TSW" });
    const router = new Router().handle("ts:work", async (ctx) => {
      seen.set(ctx.id, { ...ctx.task });
      const i = (ctx.json ?? {}) as Instruction;
      if (i.do === "fail") throw new Error(i.error);
      if (i.do === "fail_until" && ctx.task.tries < (i.tries ?? 0)) throw new Error(`try ${ctx.task.tries}`);
      if (i.do === "terminate") throw new TerminateTaskError("asked to by the payload");
      return i.result ?? null;
    });
    worker = runWorker(w.client, router, {
      queue: "TSW",
      concurrency: 4,
      signal: stop.signal,
      retryPolicy: "1m",
    });
  });
  afterAll(async () => {
    stop.abort();
    await worker;
    await w?.close();
  });

  const viaGo = (payload: Instruction, ...flags: string[]) =>
    w.helper<GoTask>("enqueue", "TSW", "ts:work", JSON.stringify(payload), ...flags);

  test("a Go-enqueued task completes in our worker; Go reads the result", async () => {
    const g = await viaGo({ do: "ok", result: { n: 2 } }, "--tries", "3");
    expect(g).toMatchObject({ state: "new", queue: "TSW", max_tries: 3 });
    const t = await w.waitTask(g.id, final);
    expect(t).toMatchObject({ state: "complete", tries: 1, result: { payload: { n: 2 } } });
    expect(seen.get(g.id)?.payload).toBe(g.payload);
    expect(await w.helper("load", g.id)).toMatchObject({
      state: "complete",
      tries: 1,
      result: { payload: { n: 2 } },
    });
  });

  test("retried by us after a failure, Go reads tries 2 and no last_err", async () => {
    const g = await viaGo({ do: "fail_until", tries: 2, result: "second" });
    await w.waitTask(g.id, final, 30_000);
    const read = await w.helper("load", g.id);
    expect(read).toMatchObject({ state: "complete", tries: 2, result: { payload: "second" } });
    expect(read.last_err).toBeUndefined();
  });

  test("failing every try expires on max tries; Go reads our last_err", async () => {
    const g = await viaGo({ do: "fail", error: "smtp down" }, "--tries", "2");
    await w.waitTask(g.id, final, 40_000);
    expect(await w.helper("load", g.id)).toMatchObject({ state: "expired", tries: 2, last_err: "smtp down" });
  });

  test("the Go client retries a task we completed: we run it again", async () => {
    const g = await viaGo({ do: "ok", result: "again" });
    await w.waitTask(g.id, final);
    expect(await w.helper<{ retried: string }>("retry", "TSW", g.id)).toEqual({ retried: g.id });
    const t = await w.waitTask(g.id, (x) => x.tries === 2 && final(x));
    expect(t).toMatchObject({ state: "complete", tries: 2, result: { payload: "again" } });
  });

  test("terminated by our handler, Go reads terminated", async () => {
    const g = await viaGo({ do: "terminate" });
    await w.waitTask(g.id, final);
    const read = await w.helper("load", g.id);
    expect(read).toMatchObject({ state: "terminated", tries: 1 });
    expect(read.last_err).toContain("asked to by the payload");
  });

  test("a Go deadline that passed before we saw the task expires it untried", async () => {
    await w.client.createQueue({ name: "TSLATE" });
    const deadline = new Date(Date.now() + 1_000).toISOString();
    const g = await w.helper<GoTask>("enqueue", "TSLATE", "ts:work", "{}", "--deadline", deadline);
    expect(Date.parse(g.deadline ?? "")).toBe(Date.parse(deadline));
    while (Date.now() <= Date.parse(deadline)) await Bun.sleep(50);
    const late = new AbortController();
    const lateWorker = runWorker(
      w.client,
      new Router().handle("ts:work", () => "ran"),
      {
        queue: "TSLATE",
        signal: late.signal,
      },
    );
    const t = await w.waitTask(g.id, final);
    late.abort();
    await lateWorker;
    expect(t).toMatchObject({ state: "expired", tries: 0 });
  });

  test("Go dependencies: we wait for them and load their results", async () => {
    const first = await viaGo({ do: "ok", result: { from: "first" } });
    const then = await viaGo({ do: "ok", result: "then" }, "--depends", first.id, "--load");
    expect(then).toMatchObject({ state: "blocked", dependencies: [first.id] });
    const t = await w.waitTask(then.id, final, 30_000);
    expect(t).toMatchObject({ state: "complete", result: { payload: "then" } });
    expect(seen.get(then.id)?.dependency_results?.[first.id]?.payload).toEqual({ from: "first" });
  });

  test("a dependency we terminated leaves the Go task that needs it unreachable", async () => {
    const first = await viaGo({ do: "terminate" });
    const then = await viaGo({ do: "ok" }, "--depends", first.id);
    await w.waitTask(then.id, final, 30_000);
    const read = await w.helper("load", then.id);
    expect(read).toMatchObject({ state: "unreachable", tries: 0 });
    expect(read.last_err).toBe(`task dependencies failed: dependency ${first.id} is terminated`);
  });

  test("a queue Go made with fewer tries than the task: we expire it at the queue's limit", async () => {
    expect((await w.goAjc("queues", "add", "TSMAX", "--tries", "2")).code).toBe(0);
    const g = await w.helper<GoTask>(
      "enqueue",
      "TSMAX",
      "ts:work",
      '{"do":"fail","error":"no"}',
      "--tries",
      "10",
    );
    const capped = new AbortController();
    const router = new Router().handle("ts:work", () => {
      throw new Error("no");
    });
    const cappedWorker = runWorker(w.client, router, {
      queue: "TSMAX",
      signal: capped.signal,
      retryPolicy: "1m",
    });
    const t = await w.waitTask(g.id, final, 40_000);
    capped.abort();
    await cappedWorker;
    expect(t).toMatchObject({ state: "expired", tries: 2, last_err: "no" });
  });

  test("`ajc task process` runs a command for tasks the Go CLI and Go client made", async () => {
    await w.client.createQueue({ name: "TSCLIOK" });
    await w.client.createQueue({ name: "TSCLIBAD" });
    const ok = w.script('test -s "$CHORIA_AJ_TASK" && printf processed-by-ajc');
    const bad = w.script("echo failing >&2; exit 3");
    w.spawnAjc(["task", "process", "cli:ok", "TSCLIOK", "2", ok, "--backoff", "1m"]);
    w.spawnAjc(["task", "process", "cli:bad", "TSCLIBAD", "2", bad, "--backoff", "1m"]);
    const added = await w.goAjc("tasks", "add", "cli:ok", '{"from":"go cli"}', "-q", "TSCLIOK");
    expect(added.code).toBe(0);
    const a = enqueuedId(added);
    const b = (await w.helper<GoTask>("enqueue", "TSCLIBAD", "cli:bad", "{}", "--tries", "2")).id;
    expect(await w.waitTask(a, final)).toMatchObject({
      state: "complete",
      tries: 1,
      result: { payload: "processed-by-ajc" },
    });
    await w.waitTask(b, final, 40_000);
    const failed = await w.helper("load", b);
    // The same last_err as the Go CLI's `tasks process` leaves (the test above).
    expect(failed).toMatchObject({ state: "expired", tries: 2, last_err: "execution failed: exit status 3" });
    // The Go CLI stores its payload argument JSON-encoded as a string; ajc hands it on unchanged.
    expect(payloadText(await w.client.loadTask(a))).toBe(JSON.stringify('{"from":"go cli"}'));
  });
});
