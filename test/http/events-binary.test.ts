/**
 * `GET /v1/events` from the compiled binary: a worker (`ajc task process`) runs a task while an
 * SSE client watches it, the open-stream flag, and a client that never reads is cut off while the
 * server's memory stays bounded.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "../../src/client.ts";
import { type AjcProcess, ajcBinary, runAjc, spawnAjc } from "../helpers/binary.ts";
import { caller, expectError } from "../helpers/http.ts";
import { freePort, type NatsServer, startNats } from "../helpers/nats.ts";
import { openSse, type SseClient } from "../helpers/sse.ts";

setDefaultTimeout(60_000);

let nats: NatsServer;
let dir: string;
let server: AjcProcess;
let worker: AjcProcess;
let url: string;
let client: Client;
const streams: SseClient[] = [];

beforeAll(async () => {
  ajcBinary();
  nats = await startNats();
  dir = mkdtempSync(join(tmpdir(), "ajc-events-"));
  const env = { NATS_URL: nats.url };
  expect((await runAjc(["queue", "add", "EVQ", "--run-time", "1m"], { env })).code).toBe(0);
  // The flood has a queue of its own: no worker takes its tasks.
  expect((await runAjc(["queue", "add", "FLOOD"], { env })).code).toBe(0);
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  server = spawnAjc(
    ["server", "run", "--queue", "EVQ", "--bind", `127.0.0.1:${port}`, "--max-event-streams", "3"],
    {
      env,
    },
  );
  await server.waitFor("listening on");
  const script = join(dir, "work.sh");
  writeFileSync(script, "#!/bin/sh\nsleep 0.3\necho done\n");
  chmodSync(script, 0o755);
  worker = spawnAjc(["task", "process", "ev:work", "EVQ", "1", script], { env });
  await worker.waitFor("Processing");
  client = await Client.connect({ connection: { servers: nats.url } });
});
afterAll(async () => {
  for (const s of streams) s.close();
  await worker?.stop("SIGKILL");
  await server?.stop("SIGKILL");
  await client?.close();
  await nats?.close();
  rmSync(dir, { recursive: true, force: true });
});

test("an SSE client sees a task go new, active, complete while a worker runs it", async () => {
  const s = await openSse(`${url}/v1/events?type=ev:work`);
  streams.push(s);
  expect(s.status).toBe(200);
  const r = await caller(url)("POST", "/v1/tasks", { json: { type: "ev:work", payload: { n: 1 } } });
  expect(r.status).toBe(201);
  const id = r.body.id;
  const states: string[] = [];
  for (const state of ["new", "active", "complete"]) {
    const e = await s.waitFor((e) => e.event === "task" && e.json.id === id && e.json.state === state);
    states.push(e.json.state);
  }
  expect(states).toEqual(["new", "active", "complete"]);
  const done = await s.waitFor((e) => e.event === "task" && e.json.state === "complete");
  expect(done.json.result.payload).toBe("done\n");
  await s.waitFor((e) => e.event === "task_state" && e.json.task_id === id && e.json.state === "complete");
  s.close();
});

/** Waits until `n` event streams have ended (each logs its request line when it does). */
async function released(n: number): Promise<void> {
  const ended = () => server.output().match(/path=\/v1\/events status=200/g)?.length ?? 0;
  const deadline = Date.now() + 10_000;
  while (ended() < n) {
    if (Date.now() > deadline) throw new Error(`only ${ended()} of ${n} event streams ended`);
    await Bun.sleep(20);
  }
}

function rssKiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return Number(m?.[1]);
}

test("a client that never reads is cut off with an end event; the server's memory stays bounded", async () => {
  const port = Number(new URL(url).port);
  await released(1);
  const sock = connect(port, "127.0.0.1");
  await new Promise<void>((r) => sock.once("connect", () => r()));
  sock.write(`GET /v1/events?kind=task&type=ev:flood HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`);
  sock.pause();
  const pid = server.proc.pid;
  const before = rssKiB(pid);
  let peak = before;
  const blob = "x".repeat(200_000);
  let pushed = 0;
  // Far more than the server may hold for one client: 120 MB of events.
  for (let i = 0; i < 30 && !server.output().includes("event stream cut off"); i++) {
    const batch = Array.from({ length: 20 }, () => client.newTask("ev:flood", JSON.stringify({ blob })));
    await Promise.all(batch.map((t) => client.enqueue(t, "FLOOD")));
    pushed += batch.length * blob.length;
    peak = Math.max(peak, rssKiB(pid));
  }
  await server.waitFor("event stream cut off", 30_000);
  peak = Math.max(peak, rssKiB(pid));
  let received = "";
  sock.on("data", (d) => {
    received += d.toString("latin1");
  });
  sock.resume();
  const deadline = Date.now() + 15_000;
  while (!received.endsWith("\r\n0\r\n\r\n") && Date.now() < deadline) await Bun.sleep(20);
  sock.destroy();
  const tail = received.slice(received.lastIndexOf("event: "));
  expect(tail).toStartWith("event: end\n");
  expect(tail).toContain('"reason":"slow_client"');
  const growthMiB = (peak - before) / 1024;
  console.log(
    `pushed ${Math.round(pushed / 1e6)} MB of events; server RSS grew by ${growthMiB.toFixed(1)} MiB`,
  );
  expect(growthMiB).toBeLessThan(pushed / 2 / (1024 * 1024));
});

test("--max-event-streams: the stream past the limit is refused with 429", async () => {
  await released(2);
  const held = await Promise.all([1, 2, 3].map(() => openSse(`${url}/v1/events?kind=leader_elected`)));
  streams.push(...held);
  expect(held.map((s) => s.status)).toEqual([200, 200, 200]);
  const r = await caller(url)("GET", "/v1/events");
  expectError(r, 429, "too_many_streams");
  for (const s of held) s.close();
});

test("Prefer: wait on a create is answered with the completed task once the worker is done", async () => {
  const r = await caller(url)("POST", "/v1/tasks", {
    json: { type: "ev:work" },
    headers: { prefer: "wait=30" },
  });
  expect(r.status).toBe(201);
  expect(r.body).toMatchObject({ type: "ev:work", state: "complete", result: { payload: "done\n" } });
  expect(r.headers.get("preference-applied")).toBe("wait=30");
});
