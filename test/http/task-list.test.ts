import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { connect, type Socket } from "node:net";
import { parseListQuery } from "../../src/http/routes/task-list.ts";
import { type ApiEnv, expectError, startApi } from "../helpers/http.ts";
import { validateResponse } from "../helpers/openapi.ts";

let api: ApiEnv;
beforeAll(async () => {
  api = await startApi({ server: { listMaxDurationMs: 400 } });
  await api.client.createQueue({ name: "OTHER" });
});
afterAll(() => api.close());

/** A client that sends a request and then reads nothing until told to. */
function stalledRequest(path: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(api.server.port, "127.0.0.1", () => {
      s.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
      s.pause();
      resolve(s);
    });
    s.on("error", reject);
  });
}

describe("parseListQuery", () => {
  test("limit defaults to 200, is capped at 1000 (NDJSON: 10,000,000), must be at least 1", () => {
    expect(parseListQuery("").limit).toBe(200);
    expect(parseListQuery("limit=5000").limit).toBe(1000);
    expect(parseListQuery("limit=1").limit).toBe(1);
    expect(parseListQuery("stream=ndjson").limit).toBe(200);
    expect(parseListQuery("limit=5000&stream=ndjson").limit).toBe(5000);
    expect(parseListQuery("stream=ndjson&limit=10000000").limit).toBe(10_000_000);
    expect(parseListQuery("stream=ndjson&limit=999999999").limit).toBe(10_000_000);
    // However many digits: the document says any integer of at least 1, as the Go server takes it.
    expect(parseListQuery("limit=99999999999").limit).toBe(1000);
    expect(parseListQuery("stream=ndjson&limit=99999999999999999999999").limit).toBe(10_000_000);
    for (const l of ["0", "-1", "abc", "1.5", "", "00"]) {
      expect(() => parseListQuery(`limit=${l}`)).toThrow(
        expect.objectContaining({ reason: "limit_invalid" }),
      );
    }
  });

  test("states are repeatable and `completed` means complete", () => {
    expect([...parseListQuery("state=new&state=completed").states!]).toEqual(["new", "complete"]);
  });
});

test("an empty store lists nothing", async () => {
  const r = await api.call("GET", "/v1/tasks");
  expect(r.status).toBe(200);
  expect(r.text).toBe('{"tasks":[],"count":0}');
  // Plain fetch: the contract helper wants at least one NDJSON line, but zero lines is a valid stream.
  const n = await fetch(`${api.url}/v1/tasks?stream=ndjson`);
  expect(n.status).toBe(200);
  expect(n.headers.get("content-type")).toBe("application/x-ndjson");
  expect(await n.text()).toBe("");
});

describe("with tasks", () => {
  /** Store order: created odd/EMAIL, even/EMAIL, odd/EMAIL, even/OTHER, odd/OTHER, then the retried even/EMAIL. */
  const ids: string[] = [];
  let since = "";
  beforeAll(async () => {
    const first = await api.call("POST", "/v1/tasks", { json: { type: "even", queue: "EMAIL" } });
    const kinds: [string, string][] = [
      ["odd", "EMAIL"],
      ["even", "EMAIL"],
      ["odd", "EMAIL"],
      ["even", "OTHER"],
      ["odd", "OTHER"],
    ];
    for (const [i, [type, queue]] of kinds.entries()) {
      if (i === 2) {
        await Bun.sleep(5);
        since = new Date().toISOString();
      }
      ids.push((await api.call("POST", "/v1/tasks", { json: { type, queue } })).body.id);
    }
    // A retried task is saved again, so it moves to the end of the store.
    await api.call("POST", `/v1/tasks/${first.body.id}/retry`);
    ids.push(first.body.id);
  });

  test("oldest first, with count; limit caps what is read", async () => {
    const r = await api.call("GET", "/v1/tasks");
    expect(r.body.count).toBe(6);
    expect(r.body.tasks.map((t: { id: string }) => t.id)).toEqual(ids);
    const l = await api.call("GET", "/v1/tasks?limit=2");
    expect(l.body.tasks.map((t: { id: string }) => t.id)).toEqual(ids.slice(0, 2));
  });

  test("filters: state (repeatable), queue, type, created_since", async () => {
    const list = async (q: string) =>
      (await api.call("GET", `/v1/tasks?${q}`)).body.tasks.map((t: { id: string }) => ids.indexOf(t.id));
    expect(await list("state=retry")).toEqual([5]);
    expect(await list("state=retry&state=new")).toEqual([0, 1, 2, 3, 4, 5]);
    expect(await list("state=complete")).toEqual([]);
    expect(await list("state=completed")).toEqual([]);
    expect(await list("queue=OTHER")).toEqual([3, 4]);
    expect(await list("type=odd")).toEqual([0, 2, 4]);
    expect(await list("type=odd&queue=EMAIL")).toEqual([0, 2]);
    expect(await list(`created_since=${encodeURIComponent(since)}`)).toEqual([2, 3, 4]);
    expect(await list("limit=3&type=even")).toEqual([1]);
  });

  test("bad parameters are 400 with the parameter named", async () => {
    expectError(await api.call("GET", "/v1/tasks?limit=0"), 400, "limit_invalid", "limit");
    expectError(await api.call("GET", "/v1/tasks?limit=x"), 400, "limit_invalid", "limit");
    expectError(await api.call("GET", "/v1/tasks?state=done"), 400, "invalid_argument", "state");
    expectError(
      await api.call("GET", "/v1/tasks?created_since=yesterday"),
      400,
      "invalid_argument",
      "created_since",
    );
    expectError(await api.call("GET", "/v1/tasks?stream=xml"), 400, "invalid_argument", "stream");
  });

  test("stream=ndjson writes one task per line, chunked as it goes", async () => {
    const r = await api.call("GET", "/v1/tasks?stream=ndjson&type=even");
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toBe("application/x-ndjson");
    expect(r.headers.get("content-length")).toBeNull();
    expect(r.text.endsWith("\n")).toBe(true);
    expect(r.body.map((t: { id: string }) => t.id)).toEqual([ids[1], ids[3], ids[5]]);
  });

  test("concurrent listings: one at a time, others 429 with Retry-After", async () => {
    const all = await Promise.all(Array.from({ length: 8 }, () => api.call("GET", "/v1/tasks")));
    const statuses = all.map((r) => r.status);
    expect(statuses).toContain(200);
    expect(statuses).toContain(429);
    for (const r of all.filter((x) => x.status === 429)) {
      expectError(r, 429, "list_in_progress");
      expect(r.headers.get("retry-after")).toBe("1");
    }
  });
});

describe("a listing that outlives its client or its time", () => {
  beforeAll(async () => {
    const payload = Buffer.alloc(32 * 1024, "x").toString("base64");
    for (let i = 0; i < 250; i++) await api.client.enqueue(api.client.newTask("bulk", payload), "OTHER");
  });

  test("a stalled reader holds the gate; when it leaves, listing works again", async () => {
    const stalled = await stalledRequest("/v1/tasks?stream=ndjson&limit=1000");
    let busy: Awaited<ReturnType<ApiEnv["call"]>> | undefined;
    for (let i = 0; i < 50 && busy?.status !== 429; i++) {
      busy = await api.call("GET", "/v1/tasks?limit=1");
      await Bun.sleep(20);
    }
    expect(busy?.status).toBe(429);
    stalled.destroy();
    let after: Awaited<ReturnType<ApiEnv["call"]>> | undefined;
    for (let i = 0; i < 100 && after?.status !== 200; i++) {
      after = await api.call("GET", "/v1/tasks?limit=1");
      await Bun.sleep(20);
    }
    expect(after?.status).toBe(200);
  });

  test("a slow reader gets a complete answer, cut at the time limit", async () => {
    const socket = await stalledRequest("/v1/tasks?limit=1000");
    await Bun.sleep(1_000);
    const raw = await new Promise<string>((resolve) => {
      let text = "";
      socket.setEncoding("latin1");
      socket.on("data", (d: string) => {
        text += d;
        if (text.endsWith("\r\n0\r\n\r\n")) resolve(text);
      });
      socket.resume();
    });
    socket.destroy();
    const head = raw.slice(0, raw.indexOf("\r\n\r\n"));
    expect(head).toMatch(/^HTTP\/1.1 200/);
    expect(head.toLowerCase()).toContain("transfer-encoding: chunked");
    const body = JSON.parse(Buffer.from(dechunk(raw.slice(head.length + 4)), "latin1").toString("utf8"));
    validateResponse({
      method: "GET",
      path: "/v1/tasks",
      status: 200,
      contentType: "application/json",
      body,
    });
    expect(body.count).toBeGreaterThan(0);
    expect(body.count).toBeLessThan(256);
  });
});

/** Decodes a chunked transfer-encoded body. */
function dechunk(s: string): string {
  let out = "";
  let i = 0;
  for (;;) {
    const eol = s.indexOf("\r\n", i);
    const size = Number.parseInt(s.slice(i, eol), 16);
    if (size === 0) return out;
    out += s.slice(eol + 2, eol + 2 + size);
    i = eol + 2 + size + 2;
  }
}
