/**
 * The browser guard's rules on their own (src/http/browser.ts): which Host values name loopback,
 * which Origins are the server's own, which Content-Types are JSON, what `--allowed-host` takes,
 * and when the Host check is on. The same rules against a running server are in
 * browser-security.test.ts.
 */
import { describe, expect, test } from "bun:test";
import type { IncomingMessage } from "node:http";
import {
  browserGuard,
  CONSOLE_CSP,
  canonicalHost,
  consoleHeaders,
  isJsonContentType,
  parseAllowedHost,
  refusal,
} from "../../src/http/browser.ts";

const req = (headers: Record<string, string>) => ({ headers }) as unknown as IncomingMessage;
const loopback = browserGuard({ bindHost: "127.0.0.1", tls: false });
const reasonOf = (method: string, headers: Record<string, string>, guard = loopback) =>
  refusal(req(headers), method, guard)?.reason;

describe("Host on a loopback bind", () => {
  test("loopback addresses and localhost pass, with any port, in any spelling the URL parser knows", () => {
    for (const host of [
      "127.0.0.1",
      "127.0.0.1:8080",
      "127.1.2.3:1",
      "127.1",
      "0x7f.0.0.1:80",
      "2130706433",
      "localhost",
      "LOCALHOST:8080",
      "[::1]",
      "[::1]:8080",
      "[0:0:0:0:0:0:0:1]:9",
      "[::ffff:127.0.0.1]:80",
    ]) {
      expect({ host, reason: reasonOf("GET", { host }) }).toEqual({ host, reason: undefined });
    }
  });

  test("every other name is refused: rebinding names, look-alikes, malformed values", () => {
    for (const host of [
      "evil.example",
      "evil.example:8080",
      "127.0.0.1.nip.io:8080",
      "localhost.evil.example",
      "localhost.",
      "sub.localhost",
      "10.0.0.1:8080",
      "0.0.0.0:8080",
      "[::]:8080",
      "[fe80::1]",
      "user@127.0.0.1",
      "127.0.0.1/evil",
      "127.0.0.1:8080:1",
      "127.0.0.1 evil",
      "",
    ]) {
      expect({ host, reason: reasonOf("GET", { host }) }).toEqual({ host, reason: "host_forbidden" });
    }
  });

  test("a request without Host (HTTP/1.0, never a browser) is let through", () => {
    expect(reasonOf("POST", {})).toBeUndefined();
  });

  test("--allowed-host names pass with any port, case-insensitively; loopback still passes", () => {
    const guard = browserGuard({
      bindHost: "127.0.0.1",
      allowedHosts: ["Jobs.Example.com", "::2", "[fd00::1]", "192.0.2.7"],
      tls: false,
    });
    for (const host of ["jobs.example.com", "JOBS.EXAMPLE.COM:443", "[::2]:80", "[fd00::1]", "192.0.2.7:1"]) {
      expect({ host, reason: reasonOf("GET", { host }, guard) }).toEqual({ host, reason: undefined });
    }
    expect(reasonOf("GET", { host: "127.0.0.1:8080" }, guard)).toBeUndefined();
    expect(reasonOf("GET", { host: "evil.jobs.example.com" }, guard)).toBe("host_forbidden");
  });
});

test("the Host check: on for a loopback bind (with --unsafe-bind too), elsewhere only with --allowed-host", () => {
  for (const bindHost of ["127.0.0.1", "127.0.0.2", "::1", "localhost"]) {
    expect(browserGuard({ bindHost, tls: false }).checkHost).toBe(true);
  }
  for (const bindHost of ["", "0.0.0.0", "::", "10.1.2.3"]) {
    expect(browserGuard({ bindHost, tls: false }).checkHost).toBe(false);
    expect(browserGuard({ bindHost, allowedHosts: ["jobs.example.com"], tls: true }).checkHost).toBe(true);
  }
  const open = browserGuard({ bindHost: "0.0.0.0", tls: false });
  expect(reasonOf("GET", { host: "jobs.example.com" }, open)).toBeUndefined();
});

test("--allowed-host takes names and addresses, not URLs or ports", () => {
  expect(parseAllowedHost("Jobs.Example.COM")).toBe("jobs.example.com");
  expect(parseAllowedHost(" ::1 ")).toBe("[::1]");
  expect(parseAllowedHost("[FD00::1]")).toBe("[fd00::1]");
  for (const bad of [
    "",
    " ",
    "http://jobs.example.com",
    "jobs.example.com:8080",
    "a/b",
    "a b",
    "*.example.com",
  ]) {
    expect(() => parseAllowedHost(bad)).toThrow(/invalid --allowed-host/);
  }
});

test("canonicalHost lowercases, and writes numbers as dotted IPv4 and compressed IPv6", () => {
  expect(canonicalHost("LocalHost:80")).toBe("localhost");
  expect(canonicalHost("127.1:80")).toBe("127.0.0.1");
  expect(canonicalHost("[0::1]")).toBe("[::1]");
  expect(canonicalHost("a@b")).toBeUndefined();
});

describe("Origin", () => {
  const own = { host: "127.0.0.1:8080" };

  test("methods that change nothing are never refused for their Origin", () => {
    for (const method of ["GET", "HEAD", "OPTIONS"]) {
      expect(reasonOf(method, { ...own, origin: "https://evil.example" })).toBeUndefined();
      expect(reasonOf(method, { ...own, "sec-fetch-site": "cross-site" })).toBeUndefined();
    }
  });

  test("the server's own origin passes; default ports and letter case do not matter", () => {
    expect(reasonOf("POST", { ...own, origin: "http://127.0.0.1:8080" })).toBeUndefined();
    expect(reasonOf("DELETE", { host: "localhost:8080", origin: "http://localhost:8080" })).toBeUndefined();
    expect(reasonOf("POST", { host: "LOCALHOST", origin: "http://localhost" })).toBeUndefined();
    expect(reasonOf("POST", { host: "127.0.0.1:80", origin: "http://127.0.0.1" })).toBeUndefined();
    expect(reasonOf("POST", { host: "[::1]:8080", origin: "http://[::1]:8080" })).toBeUndefined();
  });

  test("any other origin is refused: other hosts, ports, schemes, null, garbage", () => {
    for (const origin of [
      "https://evil.example",
      "http://127.0.0.1:3000",
      "http://localhost:8080",
      "https://127.0.0.1:8080",
      "null",
      "file://",
      "http://127.0.0.1:8080, http://evil.example",
      "nonsense",
      "",
    ]) {
      expect({ origin, reason: reasonOf("POST", { ...own, origin }) }).toEqual({
        origin,
        reason: "origin_forbidden",
      });
    }
    expect(reasonOf("POST", { origin: "http://127.0.0.1:8080" })).toBe("origin_forbidden");
  });

  test("over TLS the own origin is https; X-Forwarded-Proto from a proxy names the scheme too", () => {
    const tls = browserGuard({ bindHost: "127.0.0.1", tls: true });
    expect(reasonOf("POST", { ...own, origin: "https://127.0.0.1:8080" }, tls)).toBeUndefined();
    expect(reasonOf("POST", { ...own, origin: "http://127.0.0.1:8080" }, tls)).toBe("origin_forbidden");
    const proxied = { host: "localhost", "x-forwarded-proto": "https" };
    expect(reasonOf("POST", { ...proxied, origin: "https://localhost" })).toBeUndefined();
    expect(reasonOf("POST", { ...proxied, origin: "https://evil.example" })).toBe("origin_forbidden");
    expect(reasonOf("POST", { ...own, "x-forwarded-proto": "ftp", origin: "ftp://127.0.0.1:8080" })).toBe(
      "origin_forbidden",
    );
  });

  test("without Origin: let through, unless a browser says the request is cross-site or same-site", () => {
    expect(reasonOf("POST", own)).toBeUndefined();
    expect(reasonOf("POST", { ...own, "sec-fetch-site": "same-origin" })).toBeUndefined();
    expect(reasonOf("POST", { ...own, "sec-fetch-site": "none" })).toBeUndefined();
    expect(reasonOf("POST", { ...own, "sec-fetch-site": "cross-site" })).toBe("origin_forbidden");
    expect(reasonOf("PUT", { ...own, "sec-fetch-site": "same-site" })).toBe("origin_forbidden");
  });

  test("Host is judged before Origin", () => {
    expect(reasonOf("POST", { host: "evil.example:8080", origin: "http://evil.example:8080" })).toBe(
      "host_forbidden",
    );
  });
});

test("application/json, with parameters and in any case, is JSON; nothing else is", () => {
  for (const t of [
    "application/json",
    "application/json; charset=utf-8",
    "Application/JSON;charset=UTF-8",
    " application/json ",
  ]) {
    expect({ t, json: isJsonContentType(t) }).toEqual({ t, json: true });
  }
  for (const t of [
    undefined,
    "",
    "text/plain",
    "text/plain; charset=application/json",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=x",
    "application/jsonx",
    "application/json-patch+json",
    "text/json",
    "application/json, text/plain",
  ]) {
    expect({ t, json: isJsonContentType(t) }).toEqual({ t, json: false });
  }
});

test("the console's headers: strict CSP without inline script, no framing, no referrer, no sniffing", () => {
  const h = consoleHeaders();
  expect(h["content-security-policy"]).toBe(CONSOLE_CSP);
  expect(CONSOLE_CSP).toContain("default-src 'self'");
  expect(CONSOLE_CSP).toContain("script-src 'self'");
  expect(CONSOLE_CSP).toContain("object-src 'none'");
  expect(CONSOLE_CSP).toContain("base-uri 'none'");
  expect(CONSOLE_CSP).toContain("frame-ancestors 'none'");
  expect(CONSOLE_CSP).not.toContain("unsafe-inline");
  expect(CONSOLE_CSP).not.toContain("unsafe-eval");
  expect(h).toMatchObject({
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
  });
});
