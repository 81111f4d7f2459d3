/**
 * The browser guard: what keeps a web page the operator happens to visit from using a server it
 * can reach. A page can send "simple" cross-site requests that need no CORS preflight (a form
 * POST, a `fetch` with `text/plain`), and with DNS rebinding it can even read answers, as its own
 * origin. So, before routing, for every path (the API, the probes and any console served later):
 *
 * - `Host` must name a loopback address (127.0.0.0/8, `[::1]`) or `localhost`, with any port, or a
 *   name given with `--allowed-host`. On by default on a loopback bind, where a rebinding name is
 *   the danger; on other binds (behind a proxy or mTLS) only when `--allowed-host` names are given.
 * - A request that may change something (any method but GET, HEAD, OPTIONS) carrying an `Origin`
 *   must come from the server's own origin: the scheme the request arrived with (TLS or not, or
 *   `X-Forwarded-Proto` from a proxy) with the `Host` it names. `Origin: null` is foreign. Without
 *   an `Origin`, a browser's `Sec-Fetch-Site: cross-site` or `same-site` is refused the same way.
 *
 * And for every body the server reads: it must be declared `Content-Type: application/json`. A
 * browser sends that type cross-site only after a preflight, which this server never grants (it
 * sends no `Access-Control-Allow-*` header anywhere).
 *
 * Clients that are not browsers send no `Origin` and name the host they dialled: unaffected. A
 * browser cannot forge `Origin`, nor send `X-Forwarded-Proto` cross-site without a preflight, so
 * trusting the latter for the comparison lets no foreign page in.
 */
import type { IncomingMessage, OutgoingHttpHeaders } from "node:http";
import { AjcError } from "../core/errors.ts";
import { isLoopback } from "./bind.ts";

/** Methods that change nothing: no Origin check. */
const SAFE_METHODS: ReadonlySet<string> = new Set(["GET", "HEAD", "OPTIONS"]);

/** What every response carries: no MIME sniffing, and no framing of an API answer. */
export const API_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "x-content-type-options": "nosniff",
  "content-security-policy": "frame-ancestors 'none'",
};

/** The Content-Security-Policy of the console's pages and assets: no inline script, no framing. */
export const CONSOLE_CSP =
  "default-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

const CONSOLE_HEADERS: Readonly<OutgoingHttpHeaders> = Object.freeze({
  "content-security-policy": CONSOLE_CSP,
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "referrer-policy": "no-referrer",
});

/**
 * The headers of every console response (HTML and assets): the strict CSP, `nosniff`,
 * `X-Frame-Options: DENY`, `Referrer-Policy: no-referrer`. Use `sendAsset` (respond.ts), which
 * applies them.
 */
export function consoleHeaders(): Readonly<OutgoingHttpHeaders> {
  return CONSOLE_HEADERS;
}

/** `host` or `host:port`, the host a bracketed IPv6 address or a plain name or IPv4 address. */
const HOST_HEADER = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._~-]+)(?::\d{0,5})?$/;

/** A host name as given to `--allowed-host`: a name, an IPv4 address or an IPv6 one, no port. */
const ALLOWED_NAME = /^(?:\[[0-9A-Fa-f:.]+\]|[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*|[A-Za-z0-9._~-]+)$/;

/**
 * The canonical host of a `Host` header value (lower case; numeric IPv4 in dotted form; IPv6 in
 * brackets, compressed), or undefined when it is not a well-formed `host[:port]`.
 */
export function canonicalHost(value: string): string | undefined {
  if (!HOST_HEADER.test(value)) return undefined;
  try {
    return new URL(`http://${value}/`).hostname;
  } catch {
    return undefined;
  }
}

function isLoopbackHost(canonical: string): boolean {
  return isLoopback(canonical.startsWith("[") ? canonical.slice(1, -1) : canonical);
}

/** Checks and canonicalizes an `--allowed-host` value. */
export function parseAllowedHost(name: string): string {
  const trimmed = name.trim();
  const bracketed = !trimmed.startsWith("[") && trimmed.includes(":") ? `[${trimmed}]` : trimmed;
  const canonical = ALLOWED_NAME.test(trimmed) ? canonicalHost(bracketed) : undefined;
  if (canonical === undefined || canonical === "") {
    throw new AjcError(
      "invalid_argument",
      `invalid --allowed-host ${JSON.stringify(name)}: expected a host name or IP address, without scheme or port`,
      { field: "allowed-host" },
    );
  }
  return canonical;
}

/** How the guard is set up for one server (see `browserGuard`). */
export interface BrowserGuard {
  /** Whether `Host` must be loopback or an allowed name. */
  readonly checkHost: boolean;
  /** Canonical names `--allowed-host` adds. */
  readonly allowedHosts: ReadonlySet<string>;
  /** Whether the listener speaks TLS: the server's own scheme. */
  readonly tls: boolean;
}

/**
 * The guard for a bind: the Host check is on for a loopback bind (with or without
 * `--unsafe-bind`, which is about non-loopback binds) and on any bind given `--allowed-host`.
 */
export function browserGuard(opts: {
  bindHost: string;
  allowedHosts?: readonly string[];
  tls: boolean;
}): BrowserGuard {
  const allowedHosts = new Set((opts.allowedHosts ?? []).map(parseAllowedHost));
  return {
    checkHost: isLoopback(opts.bindHost) || allowedHosts.size > 0,
    allowedHosts,
    tls: opts.tls,
  };
}

const shown = (v: string) => JSON.stringify(v.length > 100 ? `${v.slice(0, 100)}…` : v);

function hostRefusal(host: string | undefined, guard: BrowserGuard): AjcError | undefined {
  // A request without Host (HTTP/1.0) is not a browser's: browsers always send one.
  if (host === undefined) return undefined;
  const canonical = canonicalHost(host);
  if (canonical !== undefined && (isLoopbackHost(canonical) || guard.allowedHosts.has(canonical))) {
    return undefined;
  }
  return new AjcError(
    "host_forbidden",
    `Host ${shown(host)} is not allowed: this server answers only to loopback names and addresses` +
      " (and names given with --allowed-host)",
    { field: "Host" },
  );
}

/** The origin a URL names, serialized as browsers do (lower case, default port left out). */
function originOf(url: string): string | undefined {
  try {
    const origin = new URL(url).origin;
    return origin === "null" ? undefined : origin;
  } catch {
    return undefined;
  }
}

function originRefusal(req: IncomingMessage, origin: string, guard: BrowserGuard): AjcError | undefined {
  const host = req.headers.host;
  const from = originOf(origin);
  if (from !== undefined && host !== undefined && HOST_HEADER.test(host)) {
    const schemes = [guard.tls ? "https" : "http"];
    const forwarded = req.headers["x-forwarded-proto"];
    if (typeof forwarded === "string") {
      const proto = forwarded.split(",")[0]!.trim().toLowerCase();
      if (proto === "http" || proto === "https") schemes.push(proto);
    }
    if (schemes.some((s) => originOf(`${s}://${host}`) === from)) return undefined;
  }
  return new AjcError(
    "origin_forbidden",
    `a request from origin ${shown(origin)} may not change anything here: only the server's own origin may`,
    { field: "Origin" },
  );
}

/** The guard's verdict on a request head: an error to answer with (403), or undefined. */
export function refusal(req: IncomingMessage, method: string, guard: BrowserGuard): AjcError | undefined {
  if (guard.checkHost) {
    const refused = hostRefusal(req.headers.host, guard);
    if (refused) return refused;
  }
  if (SAFE_METHODS.has(method)) return undefined;
  const origin = req.headers.origin;
  if (origin !== undefined) return originRefusal(req, origin, guard);
  // A browser that sent no Origin but says where the request comes from: only the page itself
  // (same-origin) or the user (none) may change something.
  const site = req.headers["sec-fetch-site"];
  if (site === "cross-site" || site === "same-site") {
    return new AjcError(
      "origin_forbidden",
      `a ${site} request may not change anything here: only the server's own origin may`,
      { field: "Sec-Fetch-Site" },
    );
  }
  return undefined;
}

/** True when a Content-Type value is `application/json`, parameters allowed, case-insensitive. */
export function isJsonContentType(value: string | undefined): boolean {
  if (value === undefined) return false;
  const semi = value.indexOf(";");
  return (semi < 0 ? value : value.slice(0, semi)).trim().toLowerCase() === "application/json";
}

/** The 415 for a body that is not declared JSON, or undefined. */
export function contentTypeRefusal(req: IncomingMessage): AjcError | undefined {
  const type = req.headers["content-type"];
  if (isJsonContentType(type)) return undefined;
  return new AjcError(
    "unsupported_media_type",
    `a request body must be sent as Content-Type: application/json (got ${type === undefined ? "none" : shown(type)})`,
    { field: "Content-Type" },
  );
}
