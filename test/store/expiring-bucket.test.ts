/** ExpiringBucket's atomic operations, as leader election uses them. */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { startTestEnv, type TestEnv } from "../helpers/client.ts";

let env: TestEnv;
beforeAll(async () => {
  env = await startTestEnv();
}, 20_000);
afterAll(() => env.close());

test("create once, update at the revision, delete only at the revision held", async () => {
  const b = await env.client.storage.elections();
  expect(b.ttlMs).toBe(10_000);
  const r1 = await b.create("k", "a");
  expect(r1).toBeNumber();
  expect(await b.create("k", "b")).toBeUndefined();
  const r2 = await b.update("k", "a", r1!);
  expect(r2).toBeGreaterThan(r1!);
  expect(await b.update("k", "a", r1!)).toBeUndefined();
  // A stale holder's delete must not remove the current holder's key.
  expect(await b.delete("k", r1!)).toBe(false);
  expect(await b.get("k")).toEqual({ value: "a", revision: r2! });
  expect(await b.delete("k", r2!)).toBe(true);
  expect(await b.get("k")).toBeUndefined();
  // After a delete the key can be created again.
  expect(await b.create("k", "c")).toBeNumber();
  await b.delete("k");
  expect(await b.get("k")).toBeUndefined();
}, 20_000);
