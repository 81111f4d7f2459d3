/**
 * Serving the operator console: `/ui/` and its two assets with their types, the console's security
 * headers, ETags (304 on If-None-Match), caching, gzip, the redirects, and `ui: false` turning it
 * all off. The console itself is tested in a real browser (test/browser/console.test.ts).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { gunzipSync } from "node:zlib";
import { CONSOLE_CSP } from "../../src/http/browser.ts";
import { type ApiEnv, startApi } from "../helpers/http.ts";

let env: ApiEnv;
let off: { url: string };

beforeAll(async () => {
  env = await startApi();
  off = await env.another({ ui: false });
});
afterAll(() => env.close());

const get = (url: string, headers: Record<string, string> = {}) =>
  fetch(url, { headers, redirect: "manual", decompress: false } as RequestInit);

/** The script and style sheet the page names. */
async function assets(): Promise<{ js: string; css: string }> {
  const html = await (await get(`${env.url}/ui/`)).text();
  const js = /src="(\/ui\/app\.[0-9a-f]{12}\.js)"/.exec(html)?.[1];
  const css = /href="(\/ui\/app\.[0-9a-f]{12}\.css)"/.exec(html)?.[1];
  expect(js).toBeDefined();
  expect(css).toBeDefined();
  return { js: js!, css: css! };
}

describe("the console is served at /ui/", () => {
  test("the page: HTML, strict CSP, no-cache with an ETag, 304 when it matches", async () => {
    const r = await get(`${env.url}/ui/`);
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(r.headers.get("content-security-policy")).toBe(CONSOLE_CSP);
    expect(r.headers.get("x-content-type-options")).toBe("nosniff");
    expect(r.headers.get("cache-control")).toBe("no-cache");
    const etag = r.headers.get("etag");
    expect(etag).toMatch(/^"[\w-]+"$/);
    const html = await r.text();
    expect(html).toContain('<div id="app">');
    // No inline script: the CSP would refuse it.
    expect(html).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>/);

    const again = await get(`${env.url}/ui/`, { "if-none-match": etag! });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe("");
    expect(again.headers.get("etag")).toBe(etag);
    const weak = await get(`${env.url}/ui/`, { "if-none-match": `"other", W/${etag}` });
    expect(weak.status).toBe(304);
    expect((await get(`${env.url}/ui/`, { "if-none-match": '"other"' })).status).toBe(200);
  });

  test("the assets: their types, cached for good (hashed names), gzipped when accepted", async () => {
    const { js, css } = await assets();
    const script = await get(`${env.url}${js}`, { "accept-encoding": "identity" });
    expect(script.status).toBe(200);
    expect(script.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect(script.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    expect(script.headers.get("content-encoding")).toBeNull();
    expect(script.headers.get("content-security-policy")).toBe(CONSOLE_CSP);
    const text = await script.text();
    expect(text.length).toBeGreaterThan(1000);

    const zipped = await get(`${env.url}${js}`, { "accept-encoding": "gzip, br" });
    expect(zipped.headers.get("content-encoding")).toBe("gzip");
    expect(zipped.headers.get("vary")).toBe("Accept-Encoding");
    expect(gunzipSync(Buffer.from(await zipped.arrayBuffer())).toString("utf8")).toBe(text);
    const refused = await get(`${env.url}${js}`, { "accept-encoding": "gzip;q=0" });
    expect(refused.headers.get("content-encoding")).toBeNull();
    await refused.arrayBuffer();

    const style = await get(`${env.url}${css}`);
    expect(style.headers.get("content-type")).toBe("text/css; charset=utf-8");
    const etag = style.headers.get("etag")!;
    await style.arrayBuffer();
    expect((await get(`${env.url}${css}`, { "if-none-match": etag })).status).toBe(304);
    // HEAD answers the headers alone.
    const head = await fetch(`${env.url}${css}`, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.headers.get("content-type")).toBe("text/css; charset=utf-8");
  });

  test("/ and /ui redirect to /ui/; an unknown file is 404 in the envelope", async () => {
    const root = await get(`${env.url}/`);
    expect(root.status).toBe(302);
    expect(root.headers.get("location")).toBe("/ui/");
    const bare = await get(`${env.url}/ui`);
    expect(bare.status).toBe(301);
    expect(bare.headers.get("location")).toBe("/ui/");
    const missing = await get(`${env.url}/ui/app.000000000000.js`);
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe("not_found");
  });

  test("changing methods on the console are refused (405)", async () => {
    const r = await fetch(`${env.url}/ui/`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    expect(r.status).toBe(405);
    expect(r.headers.get("allow")).toBe("GET, HEAD");
  });
});

test("with ui: false nothing is served at /ui/ and / is not redirected", async () => {
  for (const path of ["/ui/", "/", "/ui"]) {
    const r = await get(`${off.url}${path}`);
    expect(r.status).toBe(404);
    await r.arrayBuffer();
  }
  expect((await get(`${off.url}/v1/info`)).status).toBe(200);
});
