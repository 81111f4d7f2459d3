/**
 * Checks HTTP responses against our contract, api/openapi.yaml (imported the way the server embeds
 * it). Route every response a test receives through `checkedFetch` (or `validateResponse`): a status
 * the operation does not document, a missing required header, a body that does not match the
 * schema, or a property the schema does not describe fails the test with a readable message.
 * Error envelopes are also checked against src/core/errors.ts: a known reason, the code that reason
 * belongs to, and a status that fits the code.
 */
import doc from "../../api/openapi.yaml";
import { ERROR_CODES, type ErrorCode, REASON_CODES } from "../../src/core/errors.ts";
import {
  compiler,
  deref,
  describeErrors,
  type HeaderObject,
  HTTP_METHODS,
  type HttpMethod,
  isRef,
  newAjv,
  type OpenApiDoc,
  type OperationObject,
  preview,
  type ResponseObject,
  type SchemaObject,
} from "./openapi-schema.ts";

/** Our OpenAPI document, as parsed from api/openapi.yaml. */
export const openapi: OpenApiDoc = doc;

const ajv = newAjv(openapi, true);
const compile = compiler(ajv, true);

/** Thrown when a response breaks the contract. */
export class ContractError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ContractError";
  }
}

/** A response to check. */
export interface ResponseToCheck {
  method: string;
  /** The concrete request path (a query string is ignored), e.g. `/v1/tasks/01ABC`. */
  path: string;
  status: number;
  /** The Content-Type header, parameters allowed (`application/json; charset=utf-8`). */
  contentType?: string | null;
  /**
   * The body: the raw text (parsed here according to the content type), or the value already
   * parsed (for NDJSON, an array of the parsed lines). Empty text, null or undefined mean none.
   */
  body: unknown;
  /** When given, required response headers are checked too (`Location`, `Retry-After`, `Allow`). */
  headers?: Headers | Record<string, string>;
}

/** What a response was checked as. */
export interface CheckedAs {
  /** Undefined for paths or methods the document does not have (404/405). */
  operationId: string | undefined;
  /** The path template matched, e.g. `/v1/tasks/{id}`. */
  template: string | undefined;
  status: number;
}

/** Every `operationId status` validated so far in this process (for coverage checks). */
export const validatedResponses = new Set<string>();

/** Every `operationId status` the document declares. */
export function documentedResponses(): string[] {
  const out: string[] = [];
  for (const item of Object.values(openapi.paths)) {
    for (const m of HTTP_METHODS) {
      const op = item[m];
      if (op) for (const status of Object.keys(op.responses)) out.push(`${op.operationId} ${status}`);
    }
  }
  return out.sort();
}

function matchTemplates(path: string): string[] {
  const segs = path.split("/");
  const hits = Object.keys(openapi.paths).filter((t) => {
    const ts = t.split("/");
    return (
      ts.length === segs.length &&
      ts.every((p, i) => (p.startsWith("{") && p.endsWith("}") ? segs[i] !== "" : p === segs[i]))
    );
  });
  const literals = (t: string) => t.split("/").filter((p) => !p.startsWith("{")).length;
  return hits.sort((a, b) => literals(b) - literals(a));
}

/**
 * Responses any request can get when no operation handles it: 413, and 403 from the browser guard
 * (which runs before routing); 404 or 405 by whether the path is known.
 */
function routeLevelResponse(status: number, pathKnown: boolean): ResponseObject | undefined {
  const responses = openapi.components.responses ?? {};
  const name =
    status === 413
      ? "PayloadTooLarge"
      : status === 403
        ? "Forbidden"
        : status === 504
          ? "StorageTimeout"
          : pathKnown
            ? status === 405 && "MethodNotAllowed"
            : status === 404 && "NotFound";
  return name ? deref(openapi, responses[name]!) : undefined;
}

function headerValue(h: ResponseToCheck["headers"], name: string): string | null {
  if (!h) return null;
  if (h instanceof Headers) return h.get(name);
  const key = Object.keys(h).find((k) => k.toLowerCase() === name.toLowerCase());
  return key === undefined ? null : (h[key] ?? null);
}

function isEmpty(body: unknown): boolean {
  return body === undefined || body === null || body === "";
}

function parseJson(text: string, fail: (msg: string) => never): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    return fail(`body is not valid JSON (${(err as Error).message}): ${preview(text)}`);
  }
}

/** Allowed envelope codes per HTTP status (see the table in the document's description). */
const CODES_FOR_STATUS: Record<number, readonly ErrorCode[]> = {
  400: ["invalid_argument", "signature_required", "signature_invalid"],
  403: ["invalid_argument"],
  404: ["not_found"],
  405: ["invalid_argument"],
  409: ["conflict", "duplicate", "dependency_failed"],
  413: ["payload_too_large"],
  415: ["invalid_argument"],
  429: ["rate_limited"],
  500: ["internal"],
  503: ["unavailable"],
  504: ["unavailable"],
};

function checkEnvelope(body: unknown, status: number, fail: (msg: string) => never): void {
  const e = (body as { error: { code: ErrorCode; details: { reason: string } } }).error;
  const reason = e.details.reason;
  if (!Object.hasOwn(REASON_CODES, reason)) {
    fail(`details.reason "${reason}" is not one of the reasons in src/core/errors.ts`);
  }
  const expected = REASON_CODES[reason as keyof typeof REASON_CODES];
  if (expected !== e.code) fail(`reason "${reason}" belongs to code "${expected}", not "${e.code}"`);
  const allowed = CODES_FOR_STATUS[status];
  if (allowed && !allowed.includes(e.code)) {
    fail(`code "${e.code}" does not fit status ${status} (expected ${allowed.join(" or ")})`);
  }
  if (!ERROR_CODES.includes(e.code)) fail(`code "${e.code}" is not in the closed enum`);
}

function checkHeaders(
  r: ResponseToCheck,
  resp: ResponseObject,
  body: unknown,
  operationId: string | undefined,
  fail: (msg: string) => never,
): void {
  if (!r.headers) return;
  for (const [name, h] of Object.entries(resp.headers ?? {})) {
    const header = deref<HeaderObject>(openapi, h);
    const value = headerValue(r.headers, name);
    if (value === null) {
      if (header.required) fail(`required header ${name} is missing`);
      continue;
    }
    const type = header.schema?.type;
    if (type === "integer" && !/^\d+$/.test(value)) fail(`header ${name} must be an integer, got "${value}"`);
  }
  if (operationId === "createTask" && (r.status === 200 || r.status === 201)) {
    const id = (body as { id: string }).id;
    const loc = headerValue(r.headers, "Location");
    if (loc !== null && !loc.endsWith(`/v1/tasks/${encodeURIComponent(id)}`)) {
      fail(`Location "${loc}" does not point at task ${id}`);
    }
  }
}

function validateBody(
  r: ResponseToCheck,
  resp: ResponseObject,
  where: string,
  fail: (msg: string) => never,
): unknown {
  if (!resp.content) {
    if (!isEmpty(r.body)) fail(`the document says no body, got: ${preview(r.body)}`);
    return undefined;
  }
  const media = (r.contentType ?? "").split(";")[0]!.trim().toLowerCase();
  const mt = resp.content[media];
  if (!mt) {
    fail(`content type "${r.contentType ?? ""}" is not documented (${Object.keys(resp.content).join(", ")})`);
  }
  if (isEmpty(r.body)) fail(`expected a ${media} body, got none`);
  const schema = mt.schema as SchemaObject;
  const name = isRef(schema) ? schema.$ref : "inline schema";
  const validate = compile(schema);
  if (media === "application/x-ndjson") {
    const lines = Array.isArray(r.body)
      ? (r.body as unknown[])
      : String(r.body)
          .split("\n")
          .filter((l) => l.trim() !== "")
          .map((l, i) => parseJson(l, (m) => fail(`line ${i + 1}: ${m}`)));
    lines.forEach((line, i) => {
      if (!validate(line)) {
        fail(`line ${i + 1} does not match ${name}:\n${describeErrors(validate.errors)}\n${preview(line)}`);
      }
    });
    return lines;
  }
  const value = typeof r.body === "string" ? parseJson(r.body, fail) : r.body;
  if (!validate(value)) {
    fail(
      `body does not match ${name} (${where}):\n${describeErrors(validate.errors)}\nbody: ${preview(value)}`,
    );
  }
  if (isRef(schema) && schema.$ref === "#/components/schemas/Error") checkEnvelope(value, r.status, fail);
  if (isRef(schema) && schema.$ref === "#/components/schemas/TaskListResponse") {
    const list = value as { tasks: unknown[]; count: number };
    if (list.count !== list.tasks.length) fail(`count ${list.count} but ${list.tasks.length} tasks`);
  }
  return value;
}

/**
 * Checks one response against the document: the path is matched to its template (literal segments
 * first), the status must be documented for the operation (or be 403/404/405/413 for paths and methods
 * the document does not have), and the body must match the schema for its content type.
 * Throws a ContractError that says what is wrong.
 */
export function validateResponse(r: ResponseToCheck): CheckedAs {
  // HEAD is GET without a body (the document lists GET only).
  const head = r.method.toUpperCase() === "HEAD";
  const method = (head ? "get" : r.method.toLowerCase()) as HttpMethod;
  const path = r.path.split("?")[0]!;
  const templates = matchTemplates(path);
  const withMethod = templates.filter((t) => openapi.paths[t]![method]);
  const status = String(r.status);
  let template: string | undefined;
  let op: OperationObject | undefined;
  let resp: ResponseObject | undefined;
  for (const t of withMethod) {
    const o = openapi.paths[t]![method]!;
    const found = o.responses[status] ?? o.responses[`${status[0]}XX`] ?? o.responses.default;
    template ??= t;
    op ??= o;
    if (found) {
      template = t;
      op = o;
      resp = deref(openapi, found);
      break;
    }
  }
  // A literal path that lacks the method may answer 405 even though a template also matches.
  const pathKnown = templates.length > 0 && templates.some((t) => !openapi.paths[t]![method]);
  // 504 (the write deadline passed) can end any operation, as 413 can; the document says so once.
  if (!resp && (withMethod.length === 0 || (r.status === 405 && pathKnown) || r.status === 504)) {
    resp = routeLevelResponse(r.status, templates.length > 0);
    if (resp) {
      op = undefined;
      template = templates[0];
    }
  }
  const label = `${r.method.toUpperCase()} ${r.path} → ${r.status} (${op?.operationId ?? template ?? "no such path"})`;
  const fail: (msg: string) => never = (msg) => {
    throw new ContractError(`${label}: ${msg}`);
  };
  if (!resp) {
    const documented = op
      ? Object.keys(op.responses).join(", ")
      : templates.length > 0
        ? "403, 405, 413 for a method the path does not have"
        : "403, 404, 413 for a path the document does not have";
    fail(`status ${r.status} is not documented (documented: ${documented}); body: ${preview(r.body)}`);
  }
  if (head && !isEmpty(r.body)) fail(`a HEAD response has a body: ${preview(r.body)}`);
  const value = head ? undefined : validateBody(r, resp, `${template ?? path} ${status}`, fail);
  checkHeaders(r, resp, value, op?.operationId, fail);
  validatedResponses.add(`${op?.operationId ?? "(route)"} ${status}`);
  return { operationId: op?.operationId, template, status: r.status };
}

/** A response that passed the contract check. */
export interface CheckedResponse<T = unknown> {
  status: number;
  headers: Headers;
  /** Parsed JSON; for NDJSON the array of parsed lines; other text as is; null when empty. */
  body: T;
  /** The body as received. */
  text: string;
  operationId: string | undefined;
}

/** `fetch` for openapi-fetch clients that checks every response against the contract on the way. */
export async function contractFetch(request: Request): Promise<Response> {
  const res = await fetch(request);
  validateResponse({
    method: request.method,
    path: new URL(request.url).pathname,
    status: res.status,
    contentType: res.headers.get("content-type"),
    body: await res.clone().text(),
    headers: res.headers,
  });
  return res;
}

/** `fetch`, then `validateResponse` on what came back. Bun's fetch options (e.g. `tls`) pass through. */
export async function checkedFetch<T = unknown>(
  url: string | URL,
  init?: Parameters<typeof fetch>[1],
): Promise<CheckedResponse<T>> {
  const res = await fetch(url, init);
  const text = await res.text();
  const contentType = res.headers.get("content-type");
  const media = (contentType ?? "").split(";")[0]!.trim().toLowerCase();
  let body: unknown = text === "" ? null : text;
  if (text !== "" && media === "application/json") {
    try {
      body = JSON.parse(text);
    } catch {
      // validateResponse reports the unparsable text
    }
  } else if (text !== "" && media === "application/x-ndjson") {
    try {
      body = text
        .split("\n")
        .filter((l) => l.trim() !== "")
        .map((l) => JSON.parse(l));
    } catch {
      body = text;
    }
  }
  const checked = validateResponse({
    method: init?.method ?? "GET",
    path: new URL(url).pathname,
    status: res.status,
    contentType,
    body,
    headers: res.headers,
  });
  return {
    status: res.status,
    headers: res.headers,
    body: body as T,
    text,
    operationId: checked.operationId,
  };
}
