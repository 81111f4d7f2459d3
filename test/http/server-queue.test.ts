/** The queue `ajc server run` enqueues to when a request names none, and what it creates for it. */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { resolveQueue } from "../../src/core/queue.ts";
import { resolveServerQueue } from "../../src/http/server-queue.ts";
import { type ApiEnv, startApi } from "../helpers/http.ts";

let api: ApiEnv;
beforeAll(async () => {
  api = await startApi();
});
afterAll(() => api.close());

test("--allow-create-default makes DEFAULT with the Go server's settings: 1m run time, 100 tries", async () => {
  expect(await resolveServerQueue(api.client, undefined, true)).toBe("DEFAULT");
  expect(await api.client.queueInfo("DEFAULT")).toMatchObject({
    max_runtime: 60_000_000_000,
    max_tries: 100,
    max_entries: -1,
    max_concurrent: 100,
  });
  // An existing DEFAULT is used as it is.
  await api.client.configureQueue(resolveQueue({ name: "DEFAULT", max_runtime: "5m", max_tries: 3 }));
  expect(await resolveServerQueue(api.client, undefined, true)).toBe("DEFAULT");
  expect(await api.client.queueInfo("DEFAULT")).toMatchObject({ max_runtime: 300_000_000_000, max_tries: 3 });
});

test("without --queue or --allow-create-default nothing is created", async () => {
  await api.client.deleteQueue("DEFAULT");
  await expect(resolveServerQueue(api.client, undefined, false)).rejects.toMatchObject({
    reason: "queue_name_required",
  });
  expect((await api.client.listQueues()).map((q) => q.name)).not.toContain("DEFAULT");
});
