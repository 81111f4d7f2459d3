import { expect, test } from "bun:test";
import { Router } from "../../src/http/router.ts";

function router() {
  return new Router<string>()
    .add("GET", "/v1/tasks", "list")
    .add("POST", "/v1/tasks", "create")
    .add("POST", "/v1/tasks/retry", "bulk")
    .add("GET", "/v1/tasks/{id}", "get")
    .add("DELETE", "/v1/tasks/{id}", "delete")
    .add("POST", "/v1/tasks/{id}/retry", "retry");
}

test("literal paths and parameters", () => {
  const r = router();
  expect(r.lookup("GET", "/v1/tasks")).toEqual({
    kind: "found",
    handler: "list",
    params: {},
    pattern: "/v1/tasks",
  });
  expect(r.lookup("GET", "/v1/tasks/abc")).toEqual({
    kind: "found",
    handler: "get",
    params: { id: "abc" },
    pattern: "/v1/tasks/{id}",
  });
  expect(r.lookup("POST", "/v1/tasks/abc/retry")).toMatchObject({ handler: "retry", params: { id: "abc" } });
});

test("a literal segment beats a parameter, but only for its own methods", () => {
  const r = router();
  expect(r.lookup("POST", "/v1/tasks/retry")).toMatchObject({ handler: "bulk", params: {} });
  expect(r.lookup("GET", "/v1/tasks/retry")).toMatchObject({ handler: "get", params: { id: "retry" } });
});

test("a known path with another method lists the allowed ones, HEAD with GET", () => {
  const r = router();
  expect(r.lookup("PUT", "/v1/tasks")).toEqual({
    kind: "method_not_allowed",
    allow: ["GET", "HEAD", "POST"],
  });
  expect(r.lookup("PATCH", "/v1/tasks/retry")).toEqual({
    kind: "method_not_allowed",
    allow: ["DELETE", "GET", "HEAD", "POST"],
  });
  expect(r.lookup("HEAD", "/v1/tasks")).toMatchObject({ handler: "list" });
});

test("unknown paths, empty segments and trailing slashes are not found", () => {
  const r = router();
  for (const p of ["/", "/v1", "/v1/tasks/", "/v1/tasks//retry", "/v2/tasks", "*", "", "/v1/tasks/a/b"]) {
    expect(r.lookup("GET", p)).toEqual({ kind: "not_found" });
  }
});

test("parameters are percent-decoded; malformed escapes are kept as sent", () => {
  const r = router();
  expect(r.lookup("GET", "/v1/tasks/a%3Ab")).toMatchObject({ params: { id: "a:b" } });
  expect(r.lookup("GET", "/v1/tasks/a%2Fb")).toMatchObject({ params: { id: "a/b" } });
  expect(r.lookup("GET", "/v1/tasks/%E0%A4%A")).toMatchObject({ params: { id: "%E0%A4%A" } });
});

test("a route registered twice is a programming error", () => {
  expect(() => router().add("GET", "/v1/tasks", "again")).toThrow(/duplicate route/);
});
