import { afterAll, beforeAll, expect, test } from "bun:test";
import { type ApiEnv, expectError, startApi } from "../helpers/http.ts";

let api: ApiEnv;
beforeAll(async () => {
  api = await startApi();
});
afterAll(() => api.close());

const post = (json: unknown) => api.call("POST", "/v1/schedules", { json });
const b64 = (s: string) => Buffer.from(s).toString("base64");

test("create: deadline_offset in as a Go duration, deadline out in nanoseconds", async () => {
  const r = await post({
    name: "nightly",
    schedule: "@daily",
    queue: "EMAIL",
    task_type: "report:daily",
    payload: { kind: "summary" },
    deadline_offset: "1h",
    max_tries: 3,
  });
  expect(r.status).toBe(201);
  expect(r.body).toMatchObject({
    name: "nightly",
    schedule: "@daily",
    queue: "EMAIL",
    task_type: "report:daily",
    payload: b64('{"kind":"summary"}'),
    deadline: 3_600_000_000_000,
    max_tries: 3,
  });
  expect(await api.client.loadSchedule("nightly")).toEqual(r.body);
  const plain = await post({
    name: "every5",
    schedule: "*/5 * * * *",
    queue: "EMAIL",
    task_type: "t",
    payload_base64: "AAE=",
  });
  expect(plain.body).toMatchObject({ payload: "AAE=", max_tries: 10 });
  expect(plain.body.deadline).toBeUndefined();
});

test("create errors", async () => {
  const ok = { name: "s1", schedule: "@hourly", queue: "EMAIL", task_type: "t" };
  expectError(await post({ ...ok, name: "nightly" }), 409, "schedule_already_exists", "name");
  for (const field of ["name", "schedule"]) {
    expectError(await post({ ...ok, [field]: undefined }), 400, "schedule_invalid", field);
  }
  // The Go server's reasons for these two.
  expectError(await post({ ...ok, queue: undefined }), 400, "queue_name_required", "queue");
  expectError(await post({ ...ok, task_type: undefined }), 400, "task_type_invalid", "task_type");
  // Go's cron parser knows the descriptors in lower case only: nothing Go cannot load is stored.
  expectError(await post({ ...ok, schedule: "@DAILY" }), 400, "schedule_invalid", "schedule");
  expectError(await post({ ...ok, schedule: "0 0 L * *" }), 400, "schedule_invalid", "schedule");
  expectError(await post({ ...ok, name: "bad name" }), 400, "schedule_invalid", "name");
  expectError(await post({ ...ok, schedule: "every tuesday" }), 400, "schedule_invalid", "schedule");
  expectError(await post({ ...ok, schedule: "61 * * * *" }), 400, "schedule_invalid", "schedule");
  expectError(await post({ ...ok, task_type: "a b" }), 400, "task_type_invalid", "task_type");
  expectError(await post({ ...ok, deadline_offset: "10s" }), 400, "schedule_invalid", "deadline_offset");
  expectError(await post({ ...ok, deadline_offset: "soon" }), 400, "invalid_duration", "deadline_offset");
  expectError(await post({ ...ok, payload: 1, payload_base64: "AA==" }), 400, "payload_both_set");
  expectError(await post({ ...ok, payload_base64: "%%%" }), 400, "invalid_json", "payload_base64");
  // As the Go server: the offset is rounded to whole seconds before the 30s minimum applies.
  expectError(await post({ ...ok, deadline_offset: "0s" }), 400, "schedule_invalid", "deadline_offset");
  expectError(await post({ ...ok, deadline_offset: "29.4s" }), 400, "schedule_invalid", "deadline_offset");
  expectError(await post({ ...ok, deadline: 5 }), 400, "invalid_json", "deadline");
  expect((await api.call("GET", "/v1/schedules/s1")).status).toBe(404);
});

test("Go's values: max_tries 0 kept as given, deadline_offset rounded to whole seconds", async () => {
  const r = await post({
    name: "gostyle",
    schedule: "@hourly",
    queue: "EMAIL",
    task_type: "t",
    max_tries: 0,
    deadline_offset: "29.6s",
  });
  expect(r.status).toBe(201);
  expect(r.body).toMatchObject({ max_tries: 0, deadline: 30_000_000_000 });
  expect((await api.call("DELETE", "/v1/schedules/gostyle")).status).toBe(204);
});

test("no payload: left out of the answer as the Go server does, stored as the library's null", async () => {
  const r = await post({ name: "bare", schedule: "@hourly", queue: "EMAIL", task_type: "t" });
  expect(r.status).toBe(201);
  expect("payload" in r.body).toBe(false);
  expect("payload" in (await api.call("GET", "/v1/schedules/bare")).body).toBe(false);
  expect((await api.client.loadSchedule("bare")).payload).toBeNull();
  expect((await api.call("DELETE", "/v1/schedules/bare")).status).toBe(204);
});

test("list, get, delete", async () => {
  const l = await api.call("GET", "/v1/schedules");
  expect(l.status).toBe(200);
  expect(l.body.schedules.map((s: { name: string }) => s.name)).toEqual(["every5", "nightly"]);
  const g = await api.call("GET", "/v1/schedules/nightly");
  expect(g.body.name).toBe("nightly");
  expect((await api.call("DELETE", "/v1/schedules/nightly")).status).toBe(204);
  expectError(await api.call("GET", "/v1/schedules/nightly"), 404, "schedule_not_found");
  expectError(await api.call("DELETE", "/v1/schedules/nightly"), 404, "schedule_not_found");
  expectError(await api.call("GET", "/v1/schedules/a.b"), 400, "schedule_invalid", "name");
  expectError(await api.call("DELETE", "/v1/schedules/a%2Fb"), 400, "schedule_invalid", "name");
});
