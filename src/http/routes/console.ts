/**
 * The operator console (issue 12): a Preact app, bundled at build time (see console-bundle.ts),
 * served at `/ui/` on the API's listener. It reaches the server only through the public HTTP API,
 * so it is under the same browser guard as any other page: same-origin, JSON bodies.
 *
 * The page itself is `no-cache` (revalidated by its ETag, so a new build is picked up at once); the
 * script and style sheet carry a content hash in their names and are cached for a year. Each file
 * is also kept gzipped, sent to clients that accept it.
 */
import { createHash } from "node:crypto";
import { gzipSync } from "node:zlib";
import { AjcError } from "../../core/errors.ts";
import { bundleConsole } from "../console-bundle.ts" with { type: "macro" };
import type { Handler, RequestContext } from "../context.ts";
import { sendAsset } from "../respond.ts";
import type { Router } from "../router.ts";

/** Where the console lives. */
export const CONSOLE_PATH = "/ui/";

interface Asset {
  type: string;
  body: Buffer;
  gzipped: Buffer;
  etag: string;
  cacheControl: string;
}

const IMMUTABLE = "public, max-age=31536000, immutable";
const REVALIDATE = "no-cache";

function asset(type: string, text: string, cacheControl: string): Asset {
  const body = Buffer.from(text, "utf8");
  const etag = `"${createHash("sha256").update(body).digest("base64url").slice(0, 22)}"`;
  return { type, body, gzipped: gzipSync(body, { level: 9 }), etag, cacheControl };
}

/** True when an If-None-Match header lists `etag` (or is `*`); weak validators compare equal. */
export function etagMatches(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  return header.split(",").some((t) => {
    const v = t.trim();
    return v === "*" || v === etag || v === `W/${etag}`;
  });
}

/** Whether Accept-Encoding admits gzip: listed without `q=0` (a `*` is not taken up). */
function acceptsGzip(header: string | string[] | undefined): boolean {
  const value = Array.isArray(header) ? header.join(",") : (header ?? "");
  return value.split(",").some((part) => {
    const [coding, ...params] = part.toLowerCase().split(";");
    if (coding?.trim() !== "gzip") return false;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith("q="));
    return q === undefined || Number(q.slice(2)) > 0;
  });
}

function serve(ctx: RequestContext, a: Asset): void {
  const headers = { etag: a.etag, "cache-control": a.cacheControl, vary: "Accept-Encoding" };
  if (etagMatches(ctx.req.headers["if-none-match"], a.etag)) {
    sendAsset(ctx.res, 304, a.type, "", headers);
    return;
  }
  if (acceptsGzip(ctx.req.headers["accept-encoding"])) {
    sendAsset(ctx.res, 200, a.type, a.gzipped, { ...headers, "content-encoding": "gzip" });
  } else {
    sendAsset(ctx.res, 200, a.type, a.body, headers);
  }
}

function redirect(ctx: RequestContext, status: number, location: string): void {
  sendAsset(ctx.res, status, "text/plain; charset=utf-8", "", { location, "cache-control": "no-cache" });
}

/** Registers `/ui/`, its two assets, and the redirects from `/` and `/ui`. */
export function consoleRoutes(router: Router<Handler>): void {
  const bundle = bundleConsole();
  const page = asset("text/html; charset=utf-8", bundle.html, REVALIDATE);
  const files = new Map<string, Asset>([
    [bundle.jsName, asset("text/javascript; charset=utf-8", bundle.js, IMMUTABLE)],
    [bundle.cssName, asset("text/css; charset=utf-8", bundle.css, IMMUTABLE)],
  ]);
  router
    .add("GET", "/", (ctx) => redirect(ctx, 302, CONSOLE_PATH))
    .add("GET", "/ui", (ctx) => redirect(ctx, 301, CONSOLE_PATH))
    .add("GET", CONSOLE_PATH, (ctx) => serve(ctx, page))
    .add("GET", "/ui/{file}", (ctx) => {
      // The console routes in the URL's fragment (#/tasks), so no other path under /ui/ exists.
      const a = files.get(ctx.params.file ?? "");
      if (!a) throw new AjcError("not_found", `no such path: ${ctx.req.url ?? ""}`);
      serve(ctx, a);
    });
}
