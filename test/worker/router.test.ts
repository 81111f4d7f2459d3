/** Routing by task type and middleware order (no server needed). */
import { describe, expect, test } from "bun:test";
import type { TaskContext } from "../../src/worker/index.ts";
import { Router } from "../../src/worker/index.ts";

const ctx = (type: string) => ({ type }) as TaskContext;

describe("Router.resolve", () => {
  const router = new Router()
    .handle("email", () => "email")
    .handle("email:new", () => "email:new")
    .handle("email:new:vip", () => "vip")
    .handle("", () => "catch-all");

  test.each([
    ["email:new", "email:new"],
    ["email", "email"],
    ["email:newsletter", "email:new"],
    ["email:new:vip:2", "vip"],
    ["email:old", "email"],
    ["sms", "catch-all"],
    ["", "catch-all"],
  ])("%s goes to %s", async (type, want) => {
    expect(await router.resolve(type)!(ctx(type))).toBe(want);
  });

  test("nothing matches without a catch-all", () => {
    expect(new Router().handle("a", () => 1).resolve("b")).toBeUndefined();
  });

  test("a type is registered once", () => {
    expect(() => new Router().handle("a", () => 1).handle("a", () => 2)).toThrow("already registered");
  });

  test("lists types longest first", () => {
    expect(router.types).toEqual(["email:new:vip", "email:new", "email", ""]);
  });
});

describe("middleware", () => {
  test("global middleware wraps route middleware, earlier ones outermost", async () => {
    const trail: string[] = [];
    const mw = (name: string) => async (_c: TaskContext, next: () => Promise<unknown>) => {
      trail.push(`${name}>`);
      const r = await next();
      trail.push(`<${name}`);
      return `${name}(${r})`;
    };
    const router = new Router().use(mw("a"));
    router.handle("t", () => "h", mw("route"));
    router.use(mw("b"));
    expect(await router.resolve("t")!(ctx("t"))).toBe("a(b(route(h)))");
    expect(trail).toEqual(["a>", "b>", "route>", "<route", "<b", "<a"]);
  });

  test("middleware can short-circuit and see handler errors", async () => {
    const router = new Router()
      .use(async (c, next) => (c.type === "blocked" ? "denied" : next()))
      .use(async (_c, next) => {
        try {
          return await next();
        } catch (err) {
          throw new Error(`wrapped: ${(err as Error).message}`);
        }
      })
      .handle("", (c) => {
        if (c.type === "boom") throw new Error("boom");
        return "ran";
      });
    expect(await router.resolve("blocked")!(ctx("blocked"))).toBe("denied");
    expect(await router.resolve("x")!(ctx("x"))).toBe("ran");
    await expect(router.resolve("boom")!(ctx("boom"))).rejects.toThrow("wrapped: boom");
  });
});
