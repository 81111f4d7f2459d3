/**
 * The Go server's recorded answers (test/http/fixtures/go-server-transcript.json, described in
 * /work/shared/compat/README.md's format) and how an answer of ours is brought to the same form and
 * compared with one of them: status, the headers Go's answer lists, and the body and its shape,
 * where a key Go omits is compatible unless its value is null, and an error's message is not
 * compared (people read it; clients branch on code, reason and field).
 */

/** One recorded request. `json` is sent JSON-encoded; `body` as is (a fetch client labels it). */
export interface RecordedRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  json?: unknown;
  body?: string;
}

/** One recorded answer, normalised by the recorder. */
export interface RecordedResponse {
  status: number;
  headers: Record<string, string>;
  body: unknown;
  shape?: unknown;
  /** Ours only: the body as parsed, before normalising (the ids of the tasks it lists). */
  raw?: unknown;
}

export interface Step {
  name: string;
  request: RecordedRequest;
  response: RecordedResponse;
}

export interface Transcript {
  recorded_with: { server: string; nats_server: string; date: string; setup: string };
  steps: Step[];
}

/** One way our answer differs: where (`status`, `headers.x`, `body.a[0].b`, `shape.a[0].b`). */
export interface Difference {
  path: string;
  go: unknown;
  ours: unknown;
}

/** Stands for a key one side does not have. */
export const ABSENT = "<absent>";

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const BIG_BODY = /^<(\d+) bytes>$/;

/** The step names whose `id` answers stand for `{{t1}}`, `{{t2}}` and `{{ti}}`. */
export const ID_STEPS: Readonly<Record<string, string>> = {
  t1: "task create json payload",
  t2: "task create base64 payload",
  ti: "task create idempotent first",
};

function substitute(s: string, ids: Record<string, string>): string {
  return s.replace(/\{\{(\w+)\}\}/g, (m, k: string) => ids[k] ?? m);
}

function substituteDeep(v: unknown, ids: Record<string, string>): unknown {
  if (typeof v === "string") return substitute(v, ids);
  if (Array.isArray(v)) return v.map((x) => substituteDeep(x, ids));
  if (v && typeof v === "object")
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, substituteDeep(x, ids)]));
  return v;
}

/**
 * The fetch arguments of a recorded request: ids substituted, `json` encoded with
 * `Content-Type: application/json` (unless the step sets one), and a `<N bytes>` body expanded to a
 * task-create document of exactly N bytes.
 */
export function requestOf(
  r: RecordedRequest,
  ids: Record<string, string>,
): { path: string; init: RequestInit } {
  const headers: Record<string, string> = { ...r.headers };
  const hasContentType = Object.keys(headers).some((k) => k.toLowerCase() === "content-type");
  let body: string | undefined;
  if (r.json !== undefined) {
    body = JSON.stringify(substituteDeep(r.json, ids));
    if (!hasContentType) headers["Content-Type"] = "application/json";
  } else if (r.body !== undefined) {
    const big = BIG_BODY.exec(r.body);
    if (big) {
      const frame = '{"type":"big","payload":""}';
      body = `{"type":"big","payload":"${"x".repeat(Number(big[1]) - frame.length)}"}`;
      if (!hasContentType) headers["Content-Type"] = "application/json";
    } else {
      body = substitute(r.body, ids);
    }
  }
  return { path: substitute(r.path, ids), init: { method: r.method, headers, body } };
}

/** The body's keys and JSON types, arrays by their first element (as the recorder wrote them). */
export function shapeOf(v: unknown): unknown {
  if (v === null) return "null";
  if (Array.isArray(v)) return v.length ? [shapeOf(v[0])] : [];
  if (typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, shapeOf(x)]));
  return typeof v;
}

/** Replaces what differs on every run: ids, times, the version and the counts. */
function normaliseJson(v: unknown, key?: string): unknown {
  if (typeof v === "string") {
    if (key === "id") return "<id>";
    if (RFC3339.test(v)) return "<time>";
    return v;
  }
  if (typeof v === "number" && (key === "queue_count" || key === "task_count")) return `<${key}>`;
  if (Array.isArray(v)) {
    if (key === "dependencies") return v.map(() => "<id>");
    return v.map((x) => normaliseJson(x));
  }
  if (v && typeof v === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = k === "version" ? "<version>" : normaliseJson(x, k);
    return out;
  }
  return v;
}

/** An OpenAPI document as the recorder summarised it: each path's keys and the schema names, sorted. */
function openapiSummary(doc: {
  openapi: string;
  paths: Record<string, object>;
  components?: { schemas?: object };
}): unknown {
  const paths: Record<string, string[]> = {};
  for (const [p, item] of Object.entries(doc.paths)) paths[p] = Object.keys(item).sort();
  return { openapi: doc.openapi, paths, schemas: Object.keys(doc.components?.schemas ?? {}).sort() };
}

/** What `normaliseResponse` reads of a fetch response. */
export interface AnswerLike {
  status: number;
  headers: { get(name: string): string | null };
  text(): Promise<string>;
}

/** Our answer brought to the recorder's form. */
export async function normaliseResponse(step: Step, res: AnswerLike): Promise<RecordedResponse> {
  const headers: Record<string, string> = {};
  for (const name of Object.keys(step.response.headers)) {
    const v = res.headers.get(name);
    if (v !== null) headers[name] = name === "location" ? v.replace(/[^/]+$/, "<id>") : v;
  }
  const text = await res.text();
  const type = res.headers.get("content-type") ?? "";
  if (type.startsWith("application/x-ndjson")) {
    const lines = text
      .split("\n")
      .filter((l) => l !== "")
      .map((l) => JSON.parse(l));
    const first = lines[0] === undefined ? undefined : shapeOf(lines[0]);
    return { status: res.status, headers, body: { lines: lines.length, first }, raw: { tasks: lines } };
  }
  if (!type.startsWith("application/json") || text === "") return { status: res.status, headers, body: text };
  const parsed = JSON.parse(text);
  if (step.request.path === "/v1/openapi.json") {
    const summary = openapiSummary(parsed);
    return { status: res.status, headers, body: summary, shape: shapeOf(summary) };
  }
  return { status: res.status, headers, body: normaliseJson(parsed), shape: shapeOf(parsed), raw: parsed };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * Collects where `ours` differs from `go`. A key Go does not have is compatible unless it is null
 * (a client typed on the reference schema cannot read null where the key is optional).
 */
export function compareValues(go: unknown, ours: unknown, path: string, out: Difference[]): void {
  if (isObject(go) && isObject(ours)) {
    for (const [k, g] of Object.entries(go)) {
      if (!(k in ours)) out.push({ path: `${path}.${k}`, go: g, ours: ABSENT });
      else compareValues(g, ours[k], `${path}.${k}`, out);
    }
    for (const [k, o] of Object.entries(ours)) {
      if (!(k in go) && (o === null || o === "null")) out.push({ path: `${path}.${k}`, go: ABSENT, ours: o });
    }
    return;
  }
  if (Array.isArray(go) && Array.isArray(ours)) {
    for (let i = 0; i < Math.max(go.length, ours.length); i++) {
      compareValues(i < go.length ? go[i] : ABSENT, i < ours.length ? ours[i] : ABSENT, `${path}[${i}]`, out);
    }
    return;
  }
  if (JSON.stringify(go) !== JSON.stringify(ours)) out.push({ path, go, ours });
}

/** An error envelope without its message. */
function withoutMessage(body: unknown): unknown {
  if (!isObject(body) || !isObject(body.error)) return body;
  const { message: _, ...error } = body.error;
  return { ...body, error };
}

/** True when exactly one of the two is an error envelope (or they are not both objects). */
function differentKinds(go: unknown, ours: unknown): boolean {
  if (!isObject(go) || !isObject(ours))
    return typeof go !== typeof ours || Array.isArray(go) !== Array.isArray(ours);
  return "error" in go !== "error" in ours;
}

/**
 * Every difference between Go's recorded answer and ours. An answer of another kind (an error
 * where Go succeeded, JSON where Go sent text) is one difference, `body`, not one per key.
 */
export function differences(go: RecordedResponse, ours: RecordedResponse): Difference[] {
  const out: Difference[] = [];
  if (go.status !== ours.status) out.push({ path: "status", go: go.status, ours: ours.status });
  for (const [name, g] of Object.entries(go.headers)) {
    const o = ours.headers[name] ?? ABSENT;
    if (g !== o) out.push({ path: `headers.${name}`, go: g, ours: o });
  }
  if (differentKinds(go.body, ours.body)) {
    out.push({ path: "body", go: withoutMessage(go.body), ours: withoutMessage(ours.body) });
    return out;
  }
  compareValues(withoutMessage(go.body), withoutMessage(ours.body), "body", out);
  if (go.shape !== undefined) compareValues(go.shape, ours.shape ?? ABSENT, "shape", out);
  return out;
}

/** Arrays of strings as sets (`{name: true}`), for a document summary where order is not compared. */
export function asSets(v: unknown): unknown {
  if (Array.isArray(v) && v.every((x) => typeof x === "string"))
    return Object.fromEntries(v.map((x) => [x, true]));
  if (isObject(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, asSets(x)]));
  return v;
}

/**
 * A list of named things keyed by name, with their order kept apart as `order`: a difference then
 * names the queue or schedule (`queues.NEGTRIES.max_tries`) instead of shifting every later item.
 */
export function keyedByName(list: unknown): unknown {
  if (!Array.isArray(list) || !list.every((x) => isObject(x) && typeof x.name === "string")) return list;
  const items = list as { name: string }[];
  return { order: items.map((x) => x.name), ...Object.fromEntries(items.map((x) => [x.name, x])) };
}

/** Strips the facet (`body.`, `shape.`; a whole-body difference stays `body`) and array indices: what an allow-list entry names. */
export function allowKey(path: string): string {
  return path.replace(/^(body|shape)\./, "").replace(/\[\d+\]/g, "");
}

/** Differences printed one per line for a failure message. */
export function formatDifferences(step: string, diffs: Difference[]): string {
  const show = (v: unknown) => (v === ABSENT ? ABSENT : JSON.stringify(v)?.slice(0, 200));
  return [`step "${step}":`, ...diffs.map((d) => `  ${d.path}: Go ${show(d.go)}  ajc ${show(d.ours)}`)].join(
    "\n",
  );
}
