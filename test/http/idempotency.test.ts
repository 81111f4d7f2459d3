import { afterAll, beforeAll, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { ulid } from "ulid";
import { fingerprint } from "../../src/http/idempotency.ts";
import { type ApiEnv, type ApiPeer, expectError, startApi } from "../helpers/http.ts";

let api: ApiEnv;
let peer: ApiPeer;
beforeAll(async () => {
  api = await startApi();
  peer = await api.another();
});
afterAll(() => api.close());

const keyed = (key: string, json: unknown, via: Pick<ApiEnv, "call"> = api) =>
  via.call("POST", "/v1/tasks", { json, headers: { "Idempotency-Key": key } });

async function tasksOfType(type: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const t of api.client.listTasks()) if (t.type === type) ids.push(t.id);
  return ids;
}

test("a replay answers 200 with the same task and Location", async () => {
  const key = ulid();
  const first = await keyed(key, { type: "replay", payload: { a: 1, b: [2] } });
  expect(first.status).toBe(201);
  const again = await keyed(key, { payload: { b: [2], a: 1 }, type: "replay" });
  expect(again.status).toBe(200);
  expect(again.headers.get("location")).toBe(first.headers.get("location"));
  expect(again.body).toEqual(first.body);
  expect(await tasksOfType("replay")).toEqual([first.body.id]);
});

test("the same key with a different body is 409 idempotency_key_reused", async () => {
  const key = ulid();
  expect((await keyed(key, { type: "reuse", payload: 1 })).status).toBe(201);
  expectError(
    await keyed(key, { type: "reuse", payload: 2 }),
    409,
    "idempotency_key_reused",
    "Idempotency-Key",
  );
});

test("keys are 1 to 128 characters", async () => {
  expectError(await keyed("k".repeat(129), { type: "t" }), 400, "idempotency_key_invalid", "Idempotency-Key");
  expect((await keyed("k".repeat(128), { type: "t" })).status).toBe(201);
});

test("concurrent requests with one key, on two servers, create exactly one task", async () => {
  const key = ulid();
  const body = { type: "race", payload: { n: 1 } };
  const all = await Promise.all(Array.from({ length: 12 }, (_, i) => keyed(key, body, i % 2 ? peer : api)));
  const ids = new Set(all.map((r) => r.body.id));
  expect(ids.size).toBe(1);
  expect(all.map((r) => r.status).filter((s) => s === 201)).toHaveLength(1);
  expect(all.every((r) => r.status === 200 || r.status === 201)).toBe(true);
  expect(await tasksOfType("race")).toEqual([...ids]);
  expect(new Set(all.map((r) => r.headers.get("location"))).size).toBe(1);
});

test("keys survive a restart and are shared by every server on the same NATS", async () => {
  const key = ulid();
  const first = await keyed(key, { type: "restart" });
  await api.restart();
  const afterRestart = await keyed(key, { type: "restart" });
  expect(afterRestart.status).toBe(200);
  expect(afterRestart.body.id).toBe(first.body.id);
  const onPeer = await keyed(key, { type: "restart" }, peer);
  expect(onPeer.status).toBe(200);
  expect(onPeer.body.id).toBe(first.body.id);
});

test("a failed request releases its key", async () => {
  const key = ulid();
  expectError(await keyed(key, { type: "later", queue: "LATER" }), 404, "queue_not_found");
  await api.client.createQueue({ name: "LATER" });
  expect((await keyed(key, { type: "later", queue: "LATER" })).status).toBe(201);
});

test("a replay of a key whose task was deleted is 404, not a second task", async () => {
  const key = ulid();
  const first = await keyed(key, { type: "gone" });
  await api.call("DELETE", `/v1/tasks/${first.body.id}`);
  expectError(await keyed(key, { type: "gone" }), 404, "task_not_found");
  expect(await tasksOfType("gone")).toEqual([]);
});

test("a key claimed by a request that died is finished by the next one, with the claimed id", async () => {
  const key = ulid();
  const body = { type: "orphan" };
  const claimedId = ulid();
  const keys = await api.client.idempotencyKeys();
  const kvKey = createHash("sha256").update(key).digest("hex");
  await keys.create(kvKey, JSON.stringify({ fp: fingerprint(body), id: claimedId }));
  const r = await keyed(key, body);
  expect(r.status).toBe(201);
  expect(r.body.id).toBe(claimedId);
  expect((await keyed(key, body)).status).toBe(200);
});

test("a caller-chosen id with a key: replays match, a foreign id is still 409", async () => {
  const id = ulid();
  const key = ulid();
  expect((await keyed(key, { type: "own", id })).status).toBe(201);
  expect((await keyed(key, { type: "own", id })).status).toBe(200);
  expectError(await keyed(ulid(), { type: "other", id }), 409, "task_already_exists", "id");
});
