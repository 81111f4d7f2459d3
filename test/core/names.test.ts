import { expect, test } from "bun:test";
import { assertName, assertQueueName, isValidName } from "../../src/core/names.ts";

test.each([
  "email:new",
  "a_b-c:1",
  "DEFAULT",
  "2BvYLXWHBYeFQJvY9AkuZw6wQm0",
  "01HV5Z8K3J9QW1X2Y3Z4A5B6C7",
  "x",
])("%p is a valid name", (name) => {
  expect(isValidName(name)).toBe(true);
});

test.each(["", "a b", "a.b", "a*", "a>", "é", "a/b", "a\n", " a"])("%p is not a valid name", (name) => {
  expect(isValidName(name)).toBe(false);
});

test("non-strings are not names", () => {
  expect(isValidName(undefined)).toBe(false);
  expect(isValidName(42)).toBe(false);
});

test("assertName carries the reason and the field", () => {
  expect(() => assertName("a.b", "task_type_invalid", "task type", "type")).toThrow(
    expect.objectContaining({ reason: "task_type_invalid", field: "type", code: "invalid_argument" }),
  );
  expect(assertName("ok", "task_type_invalid", "task type")).toBe("ok");
});

test("queue names: missing is queue_name_required, malformed is queue_name_invalid", () => {
  expect(() => assertQueueName("")).toThrow(expect.objectContaining({ reason: "queue_name_required" }));
  expect(() => assertQueueName(undefined)).toThrow(
    expect.objectContaining({ reason: "queue_name_required" }),
  );
  expect(() => assertQueueName("A.B")).toThrow(expect.objectContaining({ reason: "queue_name_invalid" }));
  expect(assertQueueName("EMAIL")).toBe("EMAIL");
});
