/** `GET /v1/events`: task changes and lifecycle events as Server-Sent Events, in-process on real NATS. */
import { afterAll, afterEach, beforeAll, expect, test } from "bun:test";
import { connect } from "node:net";
import type { Task, TaskState } from "../../src/core/task.ts";
import { type ApiEnv, expectError, startApi } from "../helpers/http.ts";
import { openSse, type SseClient } from "../helpers/sse.ts";

let api: ApiEnv;
const open: SseClient[] = [];
beforeAll(async () => {
  api = await startApi({
    // A write deadline far shorter than the streams live: they must not be cut by it.
    server: {
      writeTimeoutMs: 400,
      heartbeatMs: 150,
      maxEventStreams: 50,
      eventBufferBytes: 64 * 1024,
      eventStallMs: 500,
    },
  });
});
afterEach(() => {
  for (const s of open.splice(0)) s.close();
});
afterAll(() => api.close());

async function sse(query = "", headers: Record<string, string> = {}): Promise<SseClient> {
  const s = await openSse(`${api.url}/v1/events${query}`, headers);
  open.push(s);
  return s;
}

async function setState(id: string, state: TaskState): Promise<Task> {
  const t = await api.client.loadTask(id);
  t.state = state;
  await api.client.storage.tasks.save(t);
  return t;
}

async function create(type: string): Promise<string> {
  const r = await api.call("POST", "/v1/tasks", { json: { type, payload: { n: 1 } } });
  expect(r.status).toBe(201);
  return r.body.id;
}

test("a stream carries each change of a task with its store sequence as id, and its lifecycle events", async () => {
  const s = await sse("?type=ev:one");
  expect(s.status).toBe(200);
  expect(s.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
  expect(s.headers.get("x-accel-buffering")).toBe("no");
  expect(s.headers.get("cache-control")).toContain("no-cache");
  const id = await create("ev:one");
  await setState(id, "active");
  await setState(id, "complete");
  const seen: string[] = [];
  for (const state of ["new", "active", "complete"]) {
    const e = await s.waitFor((e) => e.event === "task" && e.json.id === id && e.json.state === state);
    seen.push(e.id!);
  }
  expect(seen.map(Number)).toEqual([...seen.map(Number)].sort((a, b) => a - b));
  const life = await s.waitFor(
    (e) => e.event === "task_state" && e.json.task_id === id && e.json.state === "complete",
  );
  expect(life.json.type).toBe("io.choria.asyncjobs.v1.task_state");
  expect(Number(life.id)).toBeGreaterThanOrEqual(Number(seen[1]));
  // Filtered by type: nothing about other types.
  const other = await create("ev:other");
  await s.waitFor((e) => e.event === "task_state" && e.json.task_id === id);
  expect(s.events.some((e) => JSON.stringify(e.json ?? {}).includes(other))).toBe(false);
});

test("Last-Event-ID resumes the task feed: each task changed since, once, at its latest state", async () => {
  const a = await create("ev:resume");
  const s = await sse("?kind=task&type=ev:resume");
  await setState(a, "active");
  const last = await s.waitFor((e) => e.json?.id === a && e.json.state === "active");
  s.close();
  // Missed while disconnected: a changes twice, b is created and changes once.
  await setState(a, "retry");
  await setState(a, "complete");
  const b = await create("ev:resume");
  await setState(b, "terminated");
  const again = await sse("?kind=task&type=ev:resume", { "last-event-id": last.id! });
  await again.waitFor((e) => e.json?.id === b && e.json.state === "terminated");
  const c = await create("ev:resume");
  await again.waitFor((e) => e.json?.id === c);
  const byTask = again.events.filter((e) => e.event === "task").map((e) => [e.json.id, e.json.state]);
  expect(byTask).toEqual([
    [a, "complete"],
    [b, "terminated"],
    [c, "new"],
  ]);
});

test("filters: task ids, state and kind; lifecycle-only streams still carry a cursor", async () => {
  const x = await create("ev:filter");
  const y = await create("ev:filter");
  const z = await create("ev:filter");
  const s = await sse(`?task=${x}&task=${z}&state=complete`);
  const life = await sse(`?kind=task_state&task=${y}`);
  await setState(y, "complete");
  await setState(x, "active");
  await setState(x, "complete");
  await s.waitFor((e) => e.event === "task_state" && e.json.state === "complete");
  const t = await s.waitFor((e) => e.event === "task");
  expect([t.json.id, t.json.state]).toEqual([x, "complete"]);
  expect(s.events.every((e) => (e.json.id ?? e.json.task_id) === x && e.json.state === "complete")).toBe(
    true,
  );
  const single = await sse(`?task=${x}`);
  await setState(x, "retry");
  await setState(y, "retry");
  await single.waitFor((e) => e.event === "task" && e.json.state === "retry");
  await single.waitFor((e) => e.event === "task_state" && e.json.state === "retry");
  expect(single.events.every((e) => (e.json.id ?? e.json.task_id) === x)).toBe(true);
  single.close();
  const l = await life.waitFor((e) => e.event === "task_state");
  expect([l.json.task_id, l.json.state]).toEqual([y, "complete"]);
  expect(Number(l.id)).toBeGreaterThan(0);
  s.close();
  life.close();
});

test("a bad query is a 400 envelope and opens nothing", async () => {
  for (const [q, field] of [
    ["?kind=nope", "kind"],
    ["?state=sleeping", "state"],
    ["?after=abc", "after"],
    ["?task=a%20b", "task"],
  ] as const) {
    const r = await api.call("GET", `/v1/events${q}`);
    expectError(r, 400, field === "task" ? "task_id_invalid" : "invalid_argument", field);
  }
  const r = await api.call("GET", "/v1/events", { headers: { "last-event-id": "-1" } });
  expectError(r, 400, "invalid_argument", "Last-Event-ID");
});

test("heartbeats keep a quiet stream alive well past the write deadline", async () => {
  const s = await sse("?kind=task&type=ev:quiet");
  const deadline = Date.now() + 5_000;
  while (s.comments < 5 && Date.now() < deadline) await Bun.sleep(50);
  expect(s.comments).toBeGreaterThanOrEqual(5);
  const id = await create("ev:quiet");
  await s.waitFor((e) => e.json?.id === id);
  s.close();
});

test("beyond the open-stream limit a stream is refused with 429 rate_limited", async () => {
  const peer = await api.another({ maxEventStreams: 2 });
  const streams = (n: number) =>
    Promise.all(Array.from({ length: n }, () => openSse(`${peer.url}/v1/events?kind=leader_elected`)));
  const held = await streams(2);
  open.push(...held);
  expect(held.map((s) => s.status)).toEqual([200, 200]);
  const r = await peer.call("GET", "/v1/events");
  expectError(r, 429, "too_many_streams");
  expect(r.headers.get("retry-after")).toBe("5");
  held[0]!.close();
  await until(async () => {
    const [s] = await streams(1);
    open.push(s!);
    return s!.status === 200;
  });
});

async function until(ok: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error("timed out");
    await Bun.sleep(25);
  }
}

test("a client that does not read is cut off with a final end event saying why", async () => {
  const port = new URL(api.url).port;
  const sock = connect(Number(port), "127.0.0.1");
  await new Promise<void>((r) => sock.once("connect", () => r()));
  sock.write(`GET /v1/events?kind=task&type=ev:flood HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`);
  sock.pause();
  let received = "";
  sock.on("data", (d) => {
    received += d.toString();
  });
  const big = { blob: "x".repeat(60_000) };
  let sent = 0;
  // Enough task changes to overflow the client's socket buffers and then the server's 64 KiB.
  while (!api.logs.some((l) => l.includes("event stream cut off")) && sent < 2_000) {
    const batch = Array.from({ length: 20 }, () => api.client.newTask("ev:flood", JSON.stringify(big)));
    await Promise.all(batch.map((t) => api.client.enqueue(t, "EMAIL")));
    sent += batch.length;
  }
  expect(api.logs.some((l) => l.includes("event stream cut off"))).toBe(true);
  sock.resume();
  // The response ends (the last chunk); the connection itself may stay open for another request.
  await until(() => received.endsWith("\r\n0\r\n\r\n"));
  sock.destroy();
  const tail = received.slice(received.lastIndexOf("event: "));
  expect(tail).toStartWith("event: end\n");
  expect(tail).toContain('"reason":"slow_client"');
});

test("shutdown ends open streams with an end event", async () => {
  const env = await startApi({ nats: api.nats });
  const s = await openSse(`${env.url}/v1/events`);
  await env.close();
  await s.ended;
  expect(s.events.at(-1)?.event).toBe("end");
  expect(s.events.at(-1)?.json.reason).toBe("server_shutdown");
});
