import { describe, expect, test } from "bun:test";
import {
  assertBase64,
  decodeTask,
  encodeTask,
  newTask,
  parseTaskState,
  payloadFromJson,
  type Task,
} from "../../src/core/task.ts";

const fixed = { id: () => "01HV5Z8K3J9QW1X2Y3Z4A5B6C7", now: () => "2024-04-14T10:00:00.123Z" };

describe("encodeTask", () => {
  test("a new task: exact keys, order and types; payload null; empty fields omitted", () => {
    const t = newTask("email:new", null, {}, fixed);
    expect(encodeTask(t)).toBe(
      '{"id":"01HV5Z8K3J9QW1X2Y3Z4A5B6C7","type":"email:new","queue":"","payload":null,"max_tries":10,' +
        '"state":"new","created":"2024-04-14T10:00:00.123Z","tries":0}',
    );
  });

  test("every field, in Go's order", () => {
    const t: Task = {
      signature: "ab",
      last_err: "boom",
      tries: 2,
      tried: "2024-04-14T10:01:00Z",
      created: "2024-04-14T10:00:00Z",
      state: "complete",
      result: { payload: { ok: true }, completed: "2024-04-14T10:02:00Z" },
      max_tries: 5,
      deadline: "2024-04-15T00:00:00Z",
      payload: "e30=",
      load_dependencies: true,
      dependency_results: { a: { payload: "x", completed: "2024-04-14T09:00:00Z" } },
      dependencies: ["a"],
      queue: "Q",
      type: "t",
      id: "i",
    };
    expect(Object.keys(JSON.parse(encodeTask(t)))).toEqual([
      "id",
      "type",
      "queue",
      "dependencies",
      "dependency_results",
      "load_dependencies",
      "payload",
      "deadline",
      "max_tries",
      "result",
      "state",
      "created",
      "tried",
      "tries",
      "last_err",
      "signature",
    ]);
    const o = JSON.parse(encodeTask(t));
    expect(typeof o.max_tries).toBe("number");
    expect(typeof o.tries).toBe("number");
    expect(o.load_dependencies).toBe(true);
    expect(o.result).toEqual({ payload: { ok: true }, completed: "2024-04-14T10:02:00Z" });
  });

  test("omitempty: empty dependencies, false load_dependencies, empty last_err and signature are left out", () => {
    const t: Task = {
      ...newTask("x", "AA==", {}, fixed),
      dependencies: [],
      dependency_results: {},
      load_dependencies: false,
      last_err: "",
      signature: "",
    };
    const keys = Object.keys(JSON.parse(encodeTask(t)));
    for (const k of [
      "dependencies",
      "dependency_results",
      "load_dependencies",
      "last_err",
      "signature",
      "deadline",
      "tried",
      "result",
    ]) {
      expect(keys).not.toContain(k);
    }
  });
});

describe("decodeTask", () => {
  // As the Go library writes it: a KSUID, nanosecond times, null payload, the `completed` synonym.
  const goJson =
    '{"id":"2BvYLXWHBYeFQJvY9AkuZw6wQm0","type":"email:new","queue":"EMAIL","payload":null,' +
    '"deadline":"2022-02-08T00:00:00.5Z","max_tries":10,"result":{"payload":"sent","completed":"2022-02-07T10:16:43.987654321Z"},' +
    '"state":"completed","created":"2022-02-07T10:16:42.123456789Z","tried":"2022-02-07T10:16:43.000000001Z","tries":1}';

  test("a Go-written task", () => {
    const t = decodeTask(goJson);
    expect(t).toEqual({
      id: "2BvYLXWHBYeFQJvY9AkuZw6wQm0",
      type: "email:new",
      queue: "EMAIL",
      payload: null,
      deadline: "2022-02-08T00:00:00.5Z",
      max_tries: 10,
      result: { payload: "sent", completed: "2022-02-07T10:16:43.987654321Z" },
      state: "complete",
      created: "2022-02-07T10:16:42.123456789Z",
      tried: "2022-02-07T10:16:43.000000001Z",
      tries: 1,
    });
  });

  test("re-encoding keeps the times exactly (a signature covers created)", () => {
    const again = JSON.parse(encodeTask(decodeTask(goJson)));
    expect(again.created).toBe("2022-02-07T10:16:42.123456789Z");
    expect(again.tried).toBe("2022-02-07T10:16:43.000000001Z");
    expect(again.state).toBe("complete");
  });

  test("Go's empty []byte payload stays an empty string", () => {
    expect(decodeTask(goJson.replace('"payload":null', '"payload":""')).payload).toBe("");
  });

  test.each([
    ["not json", "invalid JSON"],
    ["[]", "not an object"],
    ['{"type":"x","state":"new","created":"2022-02-07T10:16:42Z"}', "missing id"],
    ['{"id":"a","type":"x","state":"weird","created":"2022-02-07T10:16:42Z"}', "unknown state"],
    ['{"id":"a","type":"x","state":"new"}', "missing created"],
  ])("%p is corrupt", (text, why) => {
    expect(() => decodeTask(text)).toThrow(why);
  });
});

describe("newTask", () => {
  test("with dependencies it starts blocked", () => {
    const t = newTask("x", null, { dependencies: ["a", "b"], loadDependencies: true }, fixed);
    expect(t.state).toBe("blocked");
    expect(t.dependencies).toEqual(["a", "b"]);
    expect(t.load_dependencies).toBe(true);
  });

  test("a dependency named twice is kept once, in the order first given (as the Go library)", () => {
    const t = newTask("x", null, { dependencies: ["b", "a", "b", "a"] }, fixed);
    expect(t.dependencies).toEqual(["b", "a"]);
  });

  test("bad type, id, times and tries are refused with their reasons", () => {
    expect(() => newTask("a b", null, {}, fixed)).toThrow(
      expect.objectContaining({ reason: "task_type_invalid" }),
    );
    expect(() => newTask("x", null, { id: "a.b" }, fixed)).toThrow(
      expect.objectContaining({ reason: "task_id_invalid" }),
    );
    expect(() => newTask("x", null, { deadline: "tomorrow" }, fixed)).toThrow(
      expect.objectContaining({ field: "deadline" }),
    );
    expect(() => newTask("x", null, { maxTries: 1.5 }, fixed)).toThrow(
      expect.objectContaining({ field: "max_tries" }),
    );
  });

  test("max_tries of 0 or below is kept as given (no limit), as the Go library takes it", () => {
    expect(newTask("x", null, { maxTries: -1 }, fixed).max_tries).toBe(-1);
    expect(newTask("x", null, { maxTries: 0 }, fixed).max_tries).toBe(0);
  });
});

test("states: completed is a synonym of complete", () => {
  expect(parseTaskState("completed")).toBe("complete");
  expect(parseTaskState("queue_error")).toBe("queue_error");
  expect(parseTaskState("done")).toBeUndefined();
});

test("payloads: JSON values are stored as the base64 of their compact text", () => {
  expect(Buffer.from(payloadFromJson({ to: "a", n: [1, 2] }), "base64").toString()).toBe(
    '{"to":"a","n":[1,2]}',
  );
  expect(assertBase64("e30=", "payload_base64")).toBe("e30=");
  expect(() => assertBase64("e30", "payload_base64")).toThrow(
    expect.objectContaining({ reason: "invalid_payload" }),
  );
});
