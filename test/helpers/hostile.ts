/**
 * Tools for the hostile-input and security tests (test/reliability/hostile-*, security-*): one raw
 * HTTP exchange with exact bytes and a hard time bound, the check that an answer keeps the contract
 * (including the answers the HTTP parser gives before any route runs), canary strings that must never
 * reach the log, and a process's resident memory.
 */
import { expect } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { type ConnectionOptions, connect as tlsConnect } from "node:tls";
import doc from "../../api/openapi.yaml";
import { validateResponse } from "./openapi.ts";
import { compiler, newAjv, type OpenApiDoc } from "./openapi-schema.ts";

/** What came back for one raw request. */
export interface RawAnswer {
  /** 0 when no complete response arrived. */
  status: number;
  headers: Record<string, string>;
  /** The body, decoded as UTF-8. */
  body: string;
  /** The server closed the connection (after answering, or instead). */
  closed: boolean;
  /** The time bound ran out before a complete response (or a close). */
  timedOut: boolean;
  ms: number;
  /** The socket failed (reset, TLS alert). */
  error?: string;
}

interface Parsed {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  complete: boolean;
}

function parseResponse(all: Buffer, closed: boolean, head: boolean): Parsed | undefined {
  let buf = all;
  // Interim answers (100 Continue) come before the real one.
  while (/^HTTP\/1\.[01] 1\d\d /.test(buf.subarray(0, 13).toString("latin1"))) {
    const interim = buf.indexOf("\r\n\r\n");
    if (interim < 0) return undefined;
    buf = buf.subarray(interim + 4);
  }
  const end = buf.indexOf("\r\n\r\n");
  if (end < 0) return undefined;
  const [statusLine, ...lines] = buf.subarray(0, end).toString("latin1").split("\r\n");
  const headers: Record<string, string> = {};
  for (const l of lines) {
    const i = l.indexOf(":");
    if (i > 0) headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
  }
  const status = Number(statusLine?.split(" ")[1] ?? 0);
  const rest = buf.subarray(end + 4);
  if (head || status === 204 || status === 304)
    return { status, headers, body: Buffer.alloc(0), complete: true };
  const cl = headers["content-length"];
  if (cl !== undefined) {
    const n = Number(cl);
    return { status, headers, body: rest.subarray(0, n), complete: rest.length >= n };
  }
  if (headers["transfer-encoding"]?.toLowerCase() === "chunked") {
    const parts: Buffer[] = [];
    let at = 0;
    for (;;) {
      const eol = rest.indexOf("\r\n", at);
      if (eol < 0) return { status, headers, body: Buffer.concat(parts), complete: false };
      const size = Number.parseInt(rest.subarray(at, eol).toString("latin1"), 16);
      if (size === 0) return { status, headers, body: Buffer.concat(parts), complete: true };
      if (!(size > 0) || rest.length < eol + 2 + size) {
        return { status, headers, body: Buffer.concat(parts), complete: false };
      }
      parts.push(rest.subarray(eol + 2, eol + 2 + size));
      at = eol + 2 + size + 2;
    }
  }
  return { status, headers, body: rest, complete: closed };
}

export interface RawOptions {
  /** Hard bound on the whole exchange; default 5s. */
  timeoutMs?: number;
  /** Speak TLS with these options (host and port are filled in). */
  tls?: ConnectionOptions;
  /** The request is a HEAD: the response has no body whatever its headers say. */
  head?: boolean;
}

/**
 * Sends `request` (exact bytes) on a fresh connection and waits for one complete response, the
 * server closing the connection, or the time bound — whichever comes first. Never throws.
 */
export function rawRequest(
  port: number,
  request: Buffer | string,
  opts: RawOptions = {},
): Promise<RawAnswer> {
  const started = performance.now();
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let settled = false;
    let socket: Socket;
    const finish = (closed: boolean, timedOut: boolean, error?: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      const p = parseResponse(Buffer.concat(chunks), closed, opts.head ?? false);
      const complete = p?.complete ?? false;
      resolve({
        status: complete ? p!.status : 0,
        headers: p?.headers ?? {},
        body: p?.body.toString("utf8") ?? "",
        closed,
        timedOut,
        ms: performance.now() - started,
        error,
      });
    };
    const timer = setTimeout(() => finish(false, true), opts.timeoutMs ?? 5_000);
    const bytes = typeof request === "string" ? Buffer.from(request, "latin1") : request;
    const onOpen = () => socket.write(bytes);
    socket = opts.tls
      ? tlsConnect({ host: "127.0.0.1", port, servername: "localhost", ...opts.tls }, onOpen)
      : connect(port, "127.0.0.1", onOpen);
    socket.on("data", (d: Buffer) => {
      chunks.push(d);
      const p = parseResponse(Buffer.concat(chunks), false, opts.head ?? false);
      if (p?.complete) finish(false, false);
    });
    socket.on("close", () => finish(true, false));
    socket.on("error", (err: Error & { code?: string }) => finish(true, false, err.code ?? err.message));
  });
}

/** Messages of the answers the server gives for requests its HTTP parser refused. */
const PARSER_REFUSALS: Record<number, string> = {
  400: "malformed HTTP request",
  414: "request target (URL) too long",
  431: "request head too large",
};

const openapi = doc as OpenApiDoc;
const validateError = compiler(newAjv(openapi, true), true)({ $ref: "#/components/schemas/Error" });

/**
 * True when `a` is the server's answer to a request its HTTP parser refused before any route ran
 * (400 malformed, 414 URL too long, 431 head too large): the error envelope, and the connection
 * closed. The document cannot list these per operation since no operation was reached.
 */
export function isParserRefusal(
  a: { status: number; headers: Record<string, string>; body: string },
  head = false,
): boolean {
  const message = PARSER_REFUSALS[a.status];
  if (message === undefined || a.headers.connection?.toLowerCase() !== "close") return false;
  // A HEAD client drops the body; the head is all there is to check.
  if (head && a.body === "") return a.headers["content-type"] === "application/json";
  let body: unknown;
  try {
    body = JSON.parse(a.body);
  } catch {
    return false;
  }
  if (!validateError(body)) return false;
  const e = (body as { error: { code: string; message: string; details: { reason: string } } }).error;
  return e.code === "invalid_argument" && e.message === message && e.details.reason === "invalid_argument";
}

/**
 * Checks one answer the way the fuzzer needs it: a complete response, never a 5xx, and either
 * valid for the operation in api/openapi.yaml or a parser refusal in the envelope. Returns a
 * description of what is wrong, or undefined.
 */
export function answerProblem(method: string, path: string, a: RawAnswer): string | undefined {
  if (a.timedOut) return `no answer within the time bound (${Math.round(a.ms)}ms)`;
  if (a.status === 0) return `connection closed without an answer${a.error ? ` (${a.error})` : ""}`;
  if (a.status >= 500) return `status ${a.status}: ${a.body.slice(0, 300)}`;
  if (isParserRefusal(a, method.toUpperCase() === "HEAD")) return undefined;
  if (isConsolePath(path)) return consoleAnswerProblem(a);
  const media = (a.headers["content-type"] ?? "").split(";")[0]!.trim();
  // An NDJSON listing that matched nothing is zero lines: valid, though validateResponse wants a body.
  if (media === "application/x-ndjson" && a.status === 200 && a.body === "") return undefined;
  let body: unknown = a.body === "" ? null : a.body;
  if (media === "application/json" && a.body !== "") {
    try {
      body = JSON.parse(a.body);
    } catch {
      // validateResponse names the unparsable body
    }
  }
  try {
    validateResponse({
      method,
      path,
      status: a.status,
      contentType: a.headers["content-type"],
      body,
      headers: a.headers,
    });
  } catch (err) {
    return (err as Error).message;
  }
  return undefined;
}

/**
 * The console's paths (`/`, `/ui`, `/ui/…`) are not in the API document: `/` and `/ui` redirect to
 * `/ui/`, which serves the page and its assets. Hostile requests there must still get a 2xx, 3xx or
 * 4xx answer, and a redirect must lead to the console.
 */
function isConsolePath(path: string): boolean {
  // A client may send `//` for `/` (a generated `//x/..` resolves so); the server routes it as `/`.
  const p = path.split("?")[0]!.replace(/\/{2,}/g, "/");
  return p === "/" || p === "/ui" || p.startsWith("/ui/");
}

function consoleAnswerProblem(a: RawAnswer): string | undefined {
  if (a.status >= 300 && a.status < 400 && a.status !== 304 && a.headers.location !== "/ui/") {
    return `console redirect ${a.status} to ${JSON.stringify(a.headers.location)}, not /ui/`;
  }
  return undefined;
}

/** A string that must never show up in a log: unique per call. */
export function canary(label: string): string {
  return `cnry${label}${Math.random().toString(36).slice(2, 10)}`;
}

/** The spellings a canary could take in a log: as is, base64 (both alphabets), hex, URL-encoded. */
function spellings(c: string): string[] {
  const b = Buffer.from(c);
  return [
    c,
    b.toString("base64").replace(/=+$/, ""),
    b.toString("base64url"),
    b.toString("hex"),
    encodeURIComponent(c),
  ];
}

/** Asserts that no canary, in any spelling, appears in `log`. */
export function expectNoCanaries(log: string, canaries: Iterable<string>): void {
  const found: string[] = [];
  for (const c of canaries) {
    for (const s of spellings(c)) if (log.includes(s)) found.push(s);
  }
  expect(found).toEqual([]);
}

/** Resident memory of a process in KiB (Linux /proc). */
export function rssKiB(pid: number): number {
  const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  if (!m) throw new Error(`no VmRSS for ${pid}`);
  return Number(m[1]);
}

/** Runs `fn` over `items` with at most `n` at a time. */
export async function pool<T, R>(
  items: readonly T[],
  n: number,
  fn: (item: T, i: number) => Promise<R>,
): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, worker));
  return out;
}

/** Client certificates that must not get in, made next to a TestCerts set (same CA files). */
export interface BadClientCerts {
  /** Signed by the right CA, validity ended yesterday. */
  expired: { cert: string; key: string };
  /** Signed by the right CA, but extendedKeyUsage serverAuth only: not for clients. */
  serverOnly: { cert: string; key: string };
  /** Self-signed, with the same subject as the right CA. */
  lookAlike: { cert: string; key: string };
  /** Signed by a leaf (the good client certificate), which is no CA. */
  byLeaf: { cert: string; key: string };
}

function openssl(dir: string, args: string[]): void {
  const r = Bun.spawnSync(["openssl", ...args], { cwd: dir, stderr: "pipe" });
  if (r.exitCode !== 0) throw new Error(`openssl ${args.join(" ")} failed:\n${r.stderr.toString()}`);
}

const EC = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];

/** Makes the bad client certificates in `dir`, where certs.ts put ca.crt/ca.key and client.crt/client.key. */
export function makeBadClientCerts(dir: string): BadClientCerts {
  const leaf = (name: string, signer: string, ext: string, days: string) => {
    openssl(dir, ["req", ...EC, "-keyout", `${name}.key`, "-out", `${name}.csr`, "-subj", `/CN=${name}`]);
    writeFileSync(`${dir}/${name}.ext`, ext);
    openssl(dir, [
      "x509",
      "-req",
      "-in",
      `${name}.csr`,
      "-CA",
      `${signer}.crt`,
      "-CAkey",
      `${signer}.key`,
      "-CAcreateserial",
      "-out",
      `${name}.crt`,
      "-days",
      days,
      "-extfile",
      `${name}.ext`,
    ]);
    return { cert: `${dir}/${name}.crt`, key: `${dir}/${name}.key` };
  };
  const both = "subjectAltName=DNS:client\nextendedKeyUsage=serverAuth,clientAuth\n";
  const expired = leaf("expired", "ca", both, "-1");
  const serverOnly = leaf(
    "server-only",
    "ca",
    "subjectAltName=DNS:client\nextendedKeyUsage=serverAuth\n",
    "2",
  );
  const byLeaf = leaf("by-leaf", "client", both, "2");
  openssl(dir, [
    "req",
    "-x509",
    ...EC,
    "-keyout",
    "look-alike.key",
    "-out",
    "look-alike.crt",
    "-days",
    "2",
    "-subj",
    "/CN=ca",
  ]);
  return {
    expired,
    serverOnly,
    byLeaf,
    lookAlike: { cert: `${dir}/look-alike.crt`, key: `${dir}/look-alike.key` },
  };
}
