/** The NDJSON stream is not capped at 1000 tasks: it reads as many as `limit` asks for. */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { type ApiEnv, startApi } from "../helpers/http.ts";

const STORED = 2_500;
let api: ApiEnv;
let ids: string[];
beforeAll(async () => {
  api = await startApi();
  ids = [];
  for (let i = 0; i < STORED; i += 100) {
    const batch = Array.from({ length: 100 }, () => api.client.newTask("many", null));
    await Promise.all(batch.map((t) => api.client.enqueue(t, "EMAIL")));
    ids.push(...batch.map((t) => t.id));
  }
});
afterAll(() => api.close());

async function ndjson(query: string): Promise<string[]> {
  const r = await fetch(`${api.url}/v1/tasks?${query}`);
  expect(r.status).toBe(200);
  expect(r.headers.get("content-type")).toBe("application/x-ndjson");
  const text = await r.text();
  expect(text.endsWith("\n")).toBe(true);
  return text
    .trimEnd()
    .split("\n")
    .map((l) => JSON.parse(l).id);
}

let all: string[];

test("stream=ndjson with a limit over 1000 streams every task asked for, oldest first", async () => {
  all = await ndjson("stream=ndjson&limit=100000");
  expect(all.length).toBe(STORED);
  expect(new Set(all)).toEqual(new Set(ids));
  expect(await ndjson("stream=ndjson&limit=1500")).toEqual(all.slice(0, 1500));
});

test("without a limit the stream still stops at 200; JSON stays capped at 1000", async () => {
  expect(await ndjson("stream=ndjson")).toEqual(all.slice(0, 200));
  const r = await api.call("GET", "/v1/tasks?limit=100000");
  expect(r.status).toBe(200);
  expect(r.body.count).toBe(1000);
  expect(r.body.tasks.map((t: { id: string }) => t.id)).toEqual(all.slice(0, 1000));
});
