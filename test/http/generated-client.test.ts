/**
 * A client generated from api/openapi.yaml by a real generator (openapi-typescript types, the
 * openapi-fetch runtime) creates, reads, retries and deletes a task on a real server (in process,
 * on a private nats-server), and every
 * response it gets passes the contract check. The generated types must be the ones the document
 * produces today, and the library's models must have exactly the documented fields.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import createClient, { type Client } from "openapi-fetch";
import doc from "../../api/openapi.yaml";
import type { QueueInfo } from "../../src/client.ts";
import { createLogger } from "../../src/core/log.ts";
import type { RetryPolicy } from "../../src/core/retry.ts";
import type { Schedule } from "../../src/core/schedule.ts";
import type { Task } from "../../src/core/task.ts";
import { type ApiServer, startServer } from "../../src/http/server.ts";
import { startTestEnv, type TestEnv } from "../helpers/client.ts";
import { freePort } from "../helpers/nats.ts";
import { contractFetch } from "../helpers/openapi.ts";
import type { components, paths } from "./generated/api.d.ts";
import { GENERATED_FILE, generateApiTypes } from "./generated/generate.ts";

type S = components["schemas"];

// Compile-time: the library's models carry exactly the documented fields, and fit the schemas.
type SameKeys<A, B> = [Exclude<keyof A, keyof B>, Exclude<keyof B, keyof A>] extends [never, never]
  ? true
  : { onlyInModel: Exclude<keyof A, keyof B>; onlyInDocument: Exclude<keyof B, keyof A> };
const sameFields: [
  SameKeys<Task, S["Task"]>,
  SameKeys<QueueInfo, S["QueueInfo"]>,
  SameKeys<Schedule, S["Schedule"]>,
  SameKeys<RetryPolicy, S["RetryPolicy"]>,
] = [true, true, true, true];
const fits = {
  task: (t: Task): S["Task"] => t,
  queue: (q: QueueInfo): S["QueueInfo"] => q,
  // The answer leaves out the payload the library stores as null (as the Go server does).
  schedule: (s: Schedule): S["Schedule"] => ({ ...s, payload: s.payload ?? undefined }),
  policy: (p: RetryPolicy): S["RetryPolicy"] => p,
};

test("the committed types are what api/openapi.yaml generates", async () => {
  const generated = await generateApiTypes();
  const committed = readFileSync(GENERATED_FILE, "utf8");
  if (generated !== committed) {
    throw new Error(
      "test/http/generated/api.d.ts is out of date with api/openapi.yaml: run `bun test/http/generated/generate.ts`",
    );
  }
  expect(sameFields).toEqual([true, true, true, true]);
  expect(Object.keys(fits)).toHaveLength(4);
});

describe("generated client against the server", () => {
  let env: TestEnv;
  let server: ApiServer | undefined;
  let api: Client<paths>;

  beforeAll(async () => {
    env = await startTestEnv();
    await env.client.createQueue({ name: "Q" });
    const port = await freePort();
    server = await startServer(
      env.client,
      { queue: "Q", bind: `127.0.0.1:${port}` },
      createLogger({ write: () => {} }),
    );
    api = createClient<paths>({ baseUrl: `http://${server.address}`, fetch: contractFetch });
  });

  afterAll(async () => {
    await server?.close();
    await env?.close();
  });

  test("create, read, retry and delete a task", async () => {
    const created = await api.POST("/v1/tasks", {
      body: { type: "email:new", payload: { to: "x@example.com" } },
    });
    expect(created.response.status).toBe(201);
    const task = created.data!;
    expect(task).toMatchObject({ type: "email:new", queue: "Q", state: "new", tries: 0 });
    expect(JSON.parse(Buffer.from(task.payload!, "base64").toString())).toEqual({ to: "x@example.com" });
    expect(created.response.headers.get("location")).toBe(`/v1/tasks/${task.id}`);
    expect((await env.client.loadTask(task.id)).queue).toBe("Q");

    const read = await api.GET("/v1/tasks/{id}", { params: { path: { id: task.id } } });
    expect(read.data).toEqual(task);

    const retried = await api.POST("/v1/tasks/{id}/retry", { params: { path: { id: task.id } } });
    expect(retried.data).toMatchObject({ id: task.id, state: "retry", queue: "Q" });

    const deleted = await api.DELETE("/v1/tasks/{id}", { params: { path: { id: task.id } } });
    expect(deleted.response.status).toBe(204);

    const gone = await api.GET("/v1/tasks/{id}", { params: { path: { id: task.id } } });
    expect(gone.response.status).toBe(404);
    expect(gone.error?.error).toMatchObject({ code: "not_found", details: { reason: "task_not_found" } });
  });

  test("an idempotent replay, and a signing caller's own id and creation time", async () => {
    const body = { type: "report", payload_base64: Buffer.from("raw").toString("base64"), max_tries: 3 };
    const params = { header: { "Idempotency-Key": `k-${Date.now()}` } };
    const first = await api.POST("/v1/tasks", { body, params });
    const again = await api.POST("/v1/tasks", { body, params });
    expect([first.response.status, again.response.status]).toEqual([201, 200]);
    expect(again.data?.id).toBe(first.data!.id);
    expect(again.response.headers.get("location")).toBe(first.response.headers.get("location"));

    const own = await api.POST("/v1/tasks", {
      body: { type: "report", id: "my-task-1", created: "2024-05-01T10:00:00Z" },
    });
    expect(own.data).toMatchObject({ id: "my-task-1", payload: null });
    expect(Date.parse(own.data!.created)).toBe(Date.parse("2024-05-01T10:00:00Z"));
    const taken = await api.POST("/v1/tasks", { body: { type: "report", id: "my-task-1" } });
    expect(taken.error?.error).toMatchObject({
      code: "conflict",
      details: { reason: "task_already_exists" },
    });
  });

  test("GET /v1/openapi.json is this document", async () => {
    const { data } = await api.GET("/v1/openapi.json");
    expect(data).toEqual(doc);
  });
});
