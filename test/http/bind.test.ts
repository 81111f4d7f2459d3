import { expect, test } from "bun:test";
import { guardBind, isLoopback, parseBind } from "../../src/http/bind.ts";

const guard = (bind: string, opts: { unsafeBind?: boolean; mtls?: boolean } = {}) =>
  guardBind(parseBind(bind), { unsafeBind: opts.unsafeBind ?? false, mtls: opts.mtls ?? false });

test("loopback binds pass without acknowledgement", () => {
  for (const b of [
    "127.0.0.1:8080",
    "127.1.2.3:1",
    "localhost:8080",
    "LOCALHOST:1",
    "[::1]:8080",
    "[0:0:0:0:0:0:0:1]:1",
  ]) {
    expect(guard(b)).toBeUndefined();
  }
});

test("non-loopback binds are refused without --unsafe-bind or mTLS, naming the ways out", () => {
  for (const b of [
    "0.0.0.0:8080",
    "[::]:8080",
    ":8080",
    "8.8.8.8:80",
    "10.0.0.1:80",
    "[2001:db8::1]:80",
    "[::ffff:10.0.0.1]:1",
  ]) {
    expect(() => guard(b)).toThrow(/--unsafe-bind.*--tls-client-ca/);
  }
});

test("--unsafe-bind lets them through with a warning; mTLS without one", () => {
  expect(guard("0.0.0.0:8080", { unsafeBind: true })).toMatch(/without authentication/);
  expect(guard("[::]:8080", { unsafeBind: true })).toMatch(/without authentication/);
  expect(guard(":8080", { unsafeBind: true })).toMatch(/all interfaces/);
  expect(guard("8.8.8.8:443", { mtls: true })).toBeUndefined();
});

test("host names other than localhost are refused even with --unsafe-bind", () => {
  expect(() => guard("example.com:8080")).toThrow(/host name "example.com"/);
  expect(() => guard("myhost:8080", { unsafeBind: true })).toThrow(/use an IP address/);
  expect(() => guard("myhost:8080", { mtls: true })).toThrow(/use an IP address/);
});

test("isLoopback", () => {
  expect(isLoopback("127.255.0.1")).toBe(true);
  expect(isLoopback("::ffff:127.0.0.1")).toBe(true);
  for (const h of ["", "0.0.0.0", "::", "128.0.0.1", "1::1", "::2"]) expect(isLoopback(h)).toBe(false);
});

test("parseBind forms and errors", () => {
  expect(parseBind("127.0.0.1:8080")).toEqual({ host: "127.0.0.1", port: 8080 });
  expect(parseBind("[::1]:0")).toEqual({ host: "::1", port: 0 });
  expect(parseBind(":9")).toEqual({ host: "", port: 9 });
  for (const b of ["127.0.0.1", "::1:8080", "[127.0.0.1]:80", "host:99999", "host:x", ""]) {
    expect(() => parseBind(b)).toThrow(/invalid --bind/);
  }
});
