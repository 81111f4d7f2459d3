/**
 * Cursor paging of `GET /v1/tasks` (`next`, `after=`), through the generated client against the
 * compiled binary on real NATS: 10,000 tasks in pages of 100 while more are added, each seen
 * exactly once.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import createClient, { type Client } from "openapi-fetch";
import { type AjcProcess, ajcBinary, spawnAjc } from "../helpers/binary.ts";
import { type ApiEnv, expectError, startApi } from "../helpers/http.ts";
import { freePort } from "../helpers/nats.ts";
import { contractFetch } from "../helpers/openapi.ts";
import type { components, paths } from "./generated/api.d.ts";

/** A JSON page (the operation also answers NDJSON, which these calls do not ask for). */
type Page = components["schemas"]["TaskListResponse"];

setDefaultTimeout(120_000);

const STORED = 10_000;
let env: ApiEnv;
let api: Client<paths>;
let binary: AjcProcess;
const stored: string[] = [];

async function enqueueMany(n: number, type: string): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i += 200) {
    const batch = Array.from({ length: Math.min(200, n - i) }, () => env.client.newTask(type, null));
    await Promise.all(batch.map((t) => env.client.enqueue(t, "EMAIL")));
    ids.push(...batch.map((t) => t.id));
  }
  return ids;
}

beforeAll(async () => {
  ajcBinary();
  env = await startApi();
  const port = await freePort();
  binary = spawnAjc(["server", "run", "--queue", "EMAIL", "--bind", `127.0.0.1:${port}`], {
    env: { NATS_URL: env.nats.url },
  });
  await binary.waitFor("listening on");
  api = createClient<paths>({ baseUrl: `http://127.0.0.1:${port}`, fetch: contractFetch });
  stored.push(...(await enqueueMany(STORED, "page")));
});
afterAll(async () => {
  await binary?.stop("SIGKILL");
  await env?.close();
});

test("pages of 100 return every task exactly once, oldest first, while new tasks arrive", async () => {
  const seen: string[] = [];
  const arrived: string[] = [];
  let after: string | undefined;
  let pages = 0;
  // New tasks keep arriving, one after another, while the first half of the walk runs.
  let producing = true;
  const producer = (async () => {
    while (producing) {
      const t = env.client.newTask("page", null);
      await env.client.enqueue(t, "EMAIL");
      arrived.push(t.id);
    }
  })();
  for (;;) {
    const r = await api.GET("/v1/tasks", { params: { query: { limit: 100, after } } });
    expect(r.response.status).toBe(200);
    const page = r.data as Page;
    seen.push(...page.tasks.map((t) => t.id));
    pages++;
    if (pages === 50) {
      producing = false;
      await producer;
    }
    if (page.next === undefined) break;
    after = page.next;
    expect(page.count).toBe(100);
  }
  expect(arrived.length).toBeGreaterThan(0);
  expect(new Set(seen).size).toBe(seen.length);
  expect(seen.slice(0, STORED)).toEqual(stored);
  expect(seen.slice(STORED)).toEqual(arrived);
  expect(seen).toHaveLength(STORED + arrived.length);
});

test("filters hold across pages; the last page has no next", async () => {
  const odd = await enqueueMany(30, "page:odd");
  const seen: string[] = [];
  let after: string | undefined;
  for (let guard = 0; guard < 1_000; guard++) {
    const r = await api.GET("/v1/tasks", { params: { query: { limit: 1000, type: "page:odd", after } } });
    const page = r.data as Page;
    seen.push(...page.tasks.map((t) => t.id));
    if (page.next === undefined) break;
    after = page.next;
  }
  expect(seen).toEqual(odd);
  const all = await api.GET("/v1/tasks", { params: { query: { limit: 1000, after } } });
  expect((all.data as Page).next).toBeUndefined();
});

test("an after that is not a cursor is a 400 and lists nothing", async () => {
  const r = await env.call("GET", "/v1/tasks?after=x1");
  expectError(r, 400, "invalid_argument", "after");
});
