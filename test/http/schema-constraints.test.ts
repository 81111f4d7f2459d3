/**
 * The request rules of api/openapi.yaml and the hand-written checks of src/http agree. Every rule
 * the document states for a request (body schemas and path, query and header parameters, through
 * $ref and allOf) is walked: for each one a request is built from a valid baseline that breaks just
 * that rule, and the real server must refuse it with the reason the document names for it
 * (`x-ajc-reason`, see the document's info section) and the status of that reason's code. Then the
 * converse: values at the edges the document allows (each enum value, minimum, maximum, lengths,
 * item counts, examples, optional fields left out or null, any string where the document says only
 * "string", a rule marked `x-ajc-lenient` broken) must be accepted. A rule of a kind the walk does
 * not know, or one without a documented reason, fails the test: a rule added to the document later
 * is covered without editing this file, or the file says what it is missing. An operation this file
 * has no baseline for starts from the document's own example body and fresh path names.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { REASON_CODES } from "../../src/core/errors.ts";
import { createLogger } from "../../src/core/log.ts";
import { type ApiServer, startServer } from "../../src/http/server.ts";
import { startTestEnv, type TestEnv } from "../helpers/client.ts";
import { freePort } from "../helpers/nats.ts";
import { checkedFetch, openapi } from "../helpers/openapi.ts";
import {
  compiler,
  deref,
  describeErrors,
  HTTP_METHODS,
  type HttpMethod,
  newAjv,
  type OpenApiDoc,
  type ParameterObject,
  type SchemaObject,
} from "../helpers/openapi-schema.ts";

// ---------------------------------------------------------------------------------------------
// Requests

type Loc = "path" | "query" | "header";

/** A request before it is sent. `body` undefined with `hasBody` sends an empty JSON body. */
interface Req {
  path: Record<string, string>;
  query: Record<string, string[]>;
  header: Record<string, string>;
  body?: unknown;
  hasBody: boolean;
}

/** A name no other request of this run uses. */
let counter = 0;
const fresh = (prefix: string) => `${prefix}${(++counter).toString(36)}`;

/**
 * Answers that accept a value but find the state against it (a valid queue name that names no
 * queue): the value passed validation, which is what an edge probe asks.
 */
const STATE_OUTCOMES = [404, 409];
/**
 * Reasons of a 400 that likewise judge the state, not the value: a valid future `run_at` on a
 * nats-server older than 2.14 (the suite runs on Debian's 2.9.10 and on the newest release).
 */
const STATE_REASONS = ["delayed_tasks_unavailable"];

/** One valid request per operation, and the statuses that mean "accepted". */
interface Baseline {
  req: () => Req;
  ok: number[];
}

const req = (r: Partial<Req>): Req => ({ path: {}, query: {}, header: {}, hasBody: false, ...r });

/**
 * The valid requests. Every property the schema has is given a valid value (members of an
 * `x-ajc-exclusive` group all appear here; the walk keeps one of them). Path parameters name
 * things that do not exist, so those operations answer 404 when the parameter is accepted.
 */
const BASELINES: Record<string, Baseline> = {
  createTask: {
    ok: [201],
    req: () =>
      req({
        header: { "Idempotency-Key": fresh("key-") },
        hasBody: true,
        body: {
          type: "schema:probe",
          queue: "Q",
          payload: { a: 1 },
          payload_base64: "aGVsbG8=",
          deadline: "2099-01-01T00:00:00Z",
          max_tries: 3,
          dependencies: ["dep-1"],
          load_dependencies: true,
          signature: "abcd",
          id: fresh("task-"),
          created: "2024-01-01T00:00:00Z",
        },
      }),
  },
  listTasks: {
    ok: [200],
    req: () =>
      req({
        query: {
          state: ["new"],
          queue: ["Q"],
          type: ["schema:probe"],
          created_since: ["2020-01-01T00:00:00Z"],
          limit: ["5"],
        },
      }),
  },
  retryTasks: { ok: [200], req: () => req({ hasBody: true, body: { ids: ["no-such-task"] } }) },
  getTask: { ok: [404], req: () => req({ path: { id: "no-such-task" } }) },
  deleteTask: { ok: [404], req: () => req({ path: { id: "no-such-task" } }) },
  retryTask: { ok: [404], req: () => req({ path: { id: "no-such-task" } }) },
  createQueue: {
    ok: [201],
    req: () =>
      req({
        hasBody: true,
        body: {
          name: fresh("PROBE_"),
          max_age: "1h",
          max_entries: 1000,
          discard_old: true,
          max_tries: 5,
          max_runtime: "5m",
          max_concurrent: 10,
        },
      }),
  },
  getQueue: { ok: [404], req: () => req({ path: { name: "NO_SUCH_QUEUE" } }) },
  deleteQueue: { ok: [404], req: () => req({ path: { name: "NO_SUCH_QUEUE" } }) },
  purgeQueue: { ok: [404], req: () => req({ path: { name: "NO_SUCH_QUEUE" } }) },
  createSchedule: {
    ok: [201],
    req: () =>
      req({
        hasBody: true,
        body: {
          name: fresh("probe-"),
          schedule: "@daily",
          queue: "Q",
          task_type: "report",
          payload: { a: 1 },
          payload_base64: "aGk=",
          deadline_offset: "1h",
          max_tries: 2,
        },
      }),
  },
  getSchedule: { ok: [404], req: () => req({ path: { name: "no-such-schedule" } }) },
  replaceSchedule: {
    ok: [404],
    req: () =>
      req({
        path: { name: "no-such-schedule" },
        hasBody: true,
        body: {
          schedule: "@daily",
          queue: "Q",
          task_type: "report",
          payload: { a: 1 },
          payload_base64: "aGk=",
          deadline_offset: "1h",
          max_tries: 2,
        },
      }),
  },
  // An event stream that opens is answered 200 and left at once (see send).
  watchEvents: {
    ok: [200],
    req: () =>
      req({
        query: {
          task: ["probe-task"],
          type: ["schema:probe"],
          queue: ["Q"],
          state: ["new"],
          kind: ["task"],
          after: ["0"],
        },
      }),
  },
  deleteSchedule: { ok: [404], req: () => req({ path: { name: "no-such-schedule" } }) },
};

// ---------------------------------------------------------------------------------------------
// The walk

/** Where a value sits: a parameter, or a path into the JSON body (property names, 0 for items). */
type Site = { loc: Loc; name: string } | { loc: "body"; at: (string | 0)[] };

/** What one probe expects. */
type Outcome = { reject: string } | { accept: true };

interface Probe {
  /** `keyword` for a rule that is broken, `edge: …` for a value that must be accepted. */
  rule: string;
  site: Site;
  /** The request, built from a fresh baseline. */
  make: (base: Req) => Req;
  outcome: Outcome;
  /** For an `x-ajc-exclusive` probe: the group, every member of which is sent. */
  exclusive?: string[];
}

/** Keywords that state nothing about validity. */
const ANNOTATIONS = new Set([
  "description",
  "example",
  "default",
  "title",
  "readOnly",
  "writeOnly",
  "deprecated",
  "externalDocs",
  "xml",
  "x-ajc-reason",
  "x-ajc-lenient",
]);
/** Keywords the walk descends into rather than breaks. */
const STRUCTURE = new Set(["properties", "items", "allOf", "nullable"]);
/** Rules the walk knows how to break, standard and ours. */
const RULES = new Set([
  "type",
  "enum",
  "pattern",
  "minimum",
  "maximum",
  "exclusiveMinimum",
  "exclusiveMaximum",
  "minLength",
  "maxLength",
  "minItems",
  "maxItems",
  "uniqueItems",
  "format",
  "required",
  "additionalProperties",
  "x-ajc-pattern",
  "x-ajc-minimum",
  "x-ajc-maximum",
  "x-ajc-minLength",
  "x-ajc-maxLength",
  "x-ajc-format",
  "x-ajc-exclusive",
]);
/** Formats that only annotate (the type already says it). */
const NUMBER_FORMATS = new Set(["int64", "double", "float"]);

const siteName = (s: Site) =>
  s.loc === "body" ? (s.at.length ? s.at.join(".").replace(/\.0/g, "[]") : "(body)") : `${s.loc} ${s.name}`;

type Reasons = Record<string, string>;
type Presence = "required" | "optional" | "fixed";

/** `x-ajc-reason` of a schema as a map, and its single reason if it gives one. */
function ownReasons(s: SchemaObject): { map: Reasons; single?: string } {
  const r = s["x-ajc-reason"];
  if (typeof r === "string") return { map: {}, single: r };
  if (r && typeof r === "object") return { map: r as Reasons };
  return { map: {} };
}

/** Merges allOf into one schema (properties and required united, other keywords overlaid). */
function flatten(doc: OpenApiDoc, raw: SchemaObject): SchemaObject {
  const s = deref<SchemaObject>(doc, raw);
  if (!Array.isArray(s.allOf)) return s;
  const out: SchemaObject = {};
  for (const part of [
    ...(s.allOf as SchemaObject[]).map((p) => flatten(doc, p)),
    { ...s, allOf: undefined },
  ]) {
    for (const [k, v] of Object.entries(part)) {
      if (v === undefined) continue;
      if (k === "properties") out.properties = { ...out.properties, ...(v as Record<string, SchemaObject>) };
      else if (k === "required") out.required = [...new Set([...(out.required ?? []), ...(v as string[])])];
      else out[k] = v;
    }
  }
  delete out.allOf;
  return out;
}

/** A string of length `n` made of name characters, unique in this run where `n` allows. */
function stringOfLength(n: number): string {
  const t = fresh("s");
  return t.length >= n ? t.slice(t.length - n) : t.padEnd(n, "a");
}

const BAD_STRINGS = ["not a name!", "", "a.b", "ü", "1"];

/** Patterns (standard and ours) a string for this schema must match. */
function patterns(s: SchemaObject): RegExp[] {
  return (["pattern", "x-ajc-pattern"] as const)
    .filter((k) => typeof s[k] === "string")
    .map((k) => new RegExp(s[k] as string, "u"));
}

/** Wrong-typed values for a JSON body, or for a parameter (which is always text). */
function wrongTypes(type: string, inBody: boolean): unknown[] | undefined {
  if (inBody) {
    switch (type) {
      case "string":
        return [12345, true, ["x"], { x: 1 }];
      case "integer":
        return [1.5, "1", true];
      case "number":
        return ["1", true];
      case "boolean":
        return ["true", 1];
      case "array":
        return ["x", { x: 1 }];
      case "object":
        return [["x"], "x", 1];
    }
  } else {
    switch (type) {
      case "integer":
        return ["abc", "1.5"];
      case "number":
        return ["abc"];
      case "boolean":
        return ["maybe"];
      case "string":
      case "array":
        return [];
    }
  }
  return undefined;
}

/** A value valid for a simple schema (its example, first enum value, or one of its type). */
function sampleOf(doc: OpenApiDoc, raw: SchemaObject): unknown {
  const s = flatten(doc, raw);
  if (s.example !== undefined) return s.example;
  if (Array.isArray(s.enum)) return s.enum[0];
  if (s.type === "string")
    return s.format === "byte" ? "AA==" : s.format === "date-time" ? "2099-01-01T00:00:00Z" : "a";
  if (s.type === "integer" || s.type === "number") return typeof s.minimum === "number" ? s.minimum : 1;
  if (s.type === "boolean") return true;
  if (s.type === "array") return [];
  return 1;
}

/** Parameter fields that change nothing about which values are valid. */
const PARAMETER_FIELDS = new Set([
  "name",
  "in",
  "required",
  "description",
  "schema",
  "style",
  "explode",
  "example",
  "examples",
  "deprecated",
]);

/** Plans every probe of one operation, and says what it cannot plan. */
export function planOperation(
  doc: OpenApiDoc,
  path: string,
  method: HttpMethod,
): { probes: Probe[]; problems: string[] } {
  const item = doc.paths[path]!;
  const op = item[method]!;
  const probes: Probe[] = [];
  const problems: string[] = [];
  const opName = op.operationId ?? `${method} ${path}`;

  const set = (base: Req, site: Site, value: unknown): Req => {
    const r: Req = structuredClone(base);
    if (site.loc === "body") {
      if (site.at.length === 0) {
        r.body = value;
        return r;
      }
      let node = r.body as Record<string | number, unknown>;
      for (const key of site.at.slice(0, -1)) {
        if (node[key] === undefined || node[key] === null) node[key] = key === 0 ? {} : [];
        node = node[key] as Record<string | number, unknown>;
      }
      const last = site.at[site.at.length - 1]!;
      if (last === 0 && Array.isArray(node)) {
        if (node.length === 0) node.push(value);
        else node[0] = value;
      } else node[last] = value;
      return r;
    }
    if (site.loc === "query") r.query[site.name] = Array.isArray(value) ? value.map(String) : [String(value)];
    else r[site.loc][site.name] = String(value);
    return r;
  };
  const unset = (base: Req, site: Site): Req => {
    const r: Req = structuredClone(base);
    if (site.loc === "body") {
      let node = r.body as Record<string | number, unknown>;
      for (const key of site.at.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
      delete node[site.at[site.at.length - 1]!];
    } else if (site.loc === "query") delete r.query[site.name];
    else delete r[site.loc][site.name];
    return r;
  };

  /**
   * Walks one schema at `site`; `inherited` is the map of reasons from enclosing objects;
   * `presence` says whether the value may be left out (an array item or a path parameter cannot).
   */
  const walk = (raw: SchemaObject, site: Site, inherited: Reasons, presence: Presence): void => {
    const s = flatten(doc, raw);
    const where = `${opName} ${siteName(site)}`;
    const own = ownReasons(s);
    const reasonFor = (keyword: string): string | undefined =>
      own.map[keyword] ?? inherited[keyword] ?? own.single;
    const lenient = new Set((s["x-ajc-lenient"] as string[] | undefined) ?? []);
    const inBody = site.loc === "body";
    const reject = (rule: string, value: unknown, make?: (b: Req) => Req) => {
      if (lenient.has(rule)) {
        probes.push({
          rule: `lenient ${rule}`,
          site,
          make: make ?? ((b) => set(b, site, value)),
          outcome: { accept: true },
        });
        return;
      }
      const reason = reasonFor(rule);
      if (!reason) {
        problems.push(`${where}: no documented reason for ${rule} (add it to x-ajc-reason)`);
        return;
      }
      if (!Object.hasOwn(REASON_CODES, reason))
        problems.push(`${where}: x-ajc-reason ${reason} is not a reason`);
      probes.push({ rule, site, make: make ?? ((b) => set(b, site, value)), outcome: { reject: reason } });
    };
    const accept = (rule: string, value: unknown, make?: (b: Req) => Req) =>
      probes.push({
        rule: `edge: ${rule}`,
        site,
        make: make ?? ((b) => set(b, site, value)),
        outcome: { accept: true },
      });

    for (const k of Object.keys(s)) {
      if (ANNOTATIONS.has(k) || STRUCTURE.has(k) || RULES.has(k)) continue;
      problems.push(`${where}: does not know the keyword ${k} (teach the walk how to break it)`);
    }
    for (const k of lenient)
      if (!(k in s)) problems.push(`${where}: x-ajc-lenient names ${k}, which it lacks`);

    // Leaving the value out, or sending null (which the server takes as leaving it out).
    if (presence !== "fixed") {
      if (presence === "required") {
        const reason = reasonFor("required");
        if (!reason) problems.push(`${where}: no documented reason for required (add it to x-ajc-reason)`);
        else {
          probes.push({ rule: "required", site, make: (b) => unset(b, site), outcome: { reject: reason } });
          if (inBody && !s.nullable)
            probes.push({
              rule: "required (null)",
              site,
              make: (b) => set(b, site, null),
              outcome: { reject: reason },
            });
        }
      } else {
        accept("left out", undefined, (b) => unset(b, site));
        if (inBody) accept("null", null);
      }
    }

    // A documented example is a valid value (for a body schema, a valid request).
    if (s.example !== undefined) accept("example", s.example);

    const type = s.type;
    if (typeof type === "string") {
      const wrong = wrongTypes(type, inBody);
      if (!wrong) problems.push(`${where}: no wrong value known for type ${type}`);
      for (const v of wrong ?? []) reject("type", v);
    } else if (type === undefined && inBody && site.at.length > 0) {
      for (const v of ["plain", 1, true, [1], { a: 1 }]) accept(`any JSON value ${JSON.stringify(v)}`, v);
    }

    const pats = patterns(s);
    const matches = (v: string) => pats.every((p) => p.test(v));
    // Every known bad string that breaks the pattern and no length rule (a path segment is never
    // empty: that would be another path).
    const lengthFits = (v: string) =>
      (["minLength", "x-ajc-minLength"] as const).every((k) => !(v.length < (s[k] as number))) &&
      (["maxLength", "x-ajc-maxLength"] as const).every((k) => !(v.length > (s[k] as number)));
    for (const k of ["pattern", "x-ajc-pattern"] as const) {
      if (typeof s[k] !== "string") continue;
      const re = new RegExp(s[k] as string, "u");
      const bad = BAD_STRINGS.filter(
        (c) => !re.test(c) && lengthFits(c) && !(site.loc === "path" && c === ""),
      );
      if (bad.length === 0) problems.push(`${where}: no string known that breaks ${k} ${s[k]}`);
      for (const v of bad) reject(k, v);
    }
    if (type === "string" && pats.length === 0 && !s.enum && !s.format && !s["x-ajc-format"]) {
      // Header values are Latin-1 text; bodies and query strings carry any character.
      accept("any string", site.loc === "header" ? "not a name!" : "not a name! ✓");
    }

    if (Array.isArray(s.enum)) {
      const outside = type === "string" ? "not-one-of-them" : Math.max(...(s.enum as number[])) + 1;
      reject("enum", outside);
      for (const v of s.enum) accept(`enum ${JSON.stringify(v)}`, v);
    }

    const lower = (k: "minimum" | "x-ajc-minimum", excl: boolean) => {
      const m = s[k];
      if (typeof m !== "number") return;
      reject(k, excl ? m : m - 1);
      if (!excl) accept(`${k} ${m}`, m);
    };
    const upper = (k: "maximum" | "x-ajc-maximum", excl: boolean) => {
      const m = s[k];
      if (typeof m !== "number") return;
      reject(k, excl ? m : m + 1);
      if (lenient.has(k)) accept(`far above ${k}`, m + 1_000_000_000);
      if (!excl) accept(`${k} ${m}`, m);
    };
    lower("minimum", s.exclusiveMinimum === true);
    upper("maximum", s.exclusiveMaximum === true);
    lower("x-ajc-minimum", false);
    upper("x-ajc-maximum", false);
    if (lenient.has("minimum") && typeof s.minimum === "number") {
      const floor =
        typeof s["x-ajc-minimum"] === "number" ? (s["x-ajc-minimum"] as number) : s.minimum - 1_000_000;
      accept(`far below minimum (${floor})`, floor);
    }

    for (const k of ["minLength", "x-ajc-minLength", "maxLength", "x-ajc-maxLength"] as const) {
      const n = s[k];
      if (typeof n !== "number") continue;
      // Strings of name characters, so that only the length is wrong (an empty one may not be).
      const badLen = k.endsWith("minLength") ? n - 1 : n + 1;
      const cannot = (len: number) =>
        problems.push(`${where}: cannot build a ${len}-character string matching its pattern`);
      if (badLen === 0) reject(k, "");
      else if (badLen > 0 && !matches(stringOfLength(badLen))) cannot(badLen);
      else if (badLen > 0) reject(k, undefined, (b) => set(b, site, stringOfLength(badLen)));
      if (n > 0 && !matches(stringOfLength(n))) cannot(n);
      else if (n > 0) accept(`${k} ${n}`, undefined, (b) => set(b, site, stringOfLength(n)));
    }

    if (typeof s.format === "string") {
      if (s.format === "date-time") {
        reject("format", "tomorrow");
        reject("format", "2099-01-01 00:00:00");
        accept("date-time with fraction and offset", "2099-01-01T00:00:00.123456789+01:00");
      } else if (s.format === "byte") {
        reject("format", "***");
        reject("format", "aGVsbG8");
        for (const v of ["", "AA==", "+/+/"]) accept(`base64 ${JSON.stringify(v)}`, v);
      } else if (s.format === "int32") reject("format", 2 ** 31);
      else if (!NUMBER_FORMATS.has(s.format))
        problems.push(`${where}: no value known that breaks format ${s.format}`);
    }
    if (s["x-ajc-format"] !== undefined) {
      if (s["x-ajc-format"] === "cron") reject("x-ajc-format", "every now and then");
      else problems.push(`${where}: no value known that breaks x-ajc-format ${String(s["x-ajc-format"])}`);
    }

    // Arrays: item counts and uniqueness use copies of the baseline's first item.
    const itemsOf = (b: Req, n: number): unknown[] => {
      const cur = site.loc === "body" ? valueAt(b.body, site.at) : b.query[site.name];
      const first = Array.isArray(cur) && cur.length > 0 ? cur[0] : "x";
      return Array.from({ length: n }, () => first);
    };
    for (const k of ["minItems", "maxItems"] as const) {
      const n = s[k];
      if (typeof n !== "number") continue;
      const badLen = k === "minItems" ? n - 1 : n + 1;
      if (badLen >= 0) reject(k, undefined, (b) => set(b, site, itemsOf(b, badLen)));
      accept(`${k} ${n}`, undefined, (b) => set(b, site, itemsOf(b, n)));
    }
    if (s.uniqueItems === true) reject("uniqueItems", undefined, (b) => set(b, site, itemsOf(b, 2)));

    // Descend: map entries of this schema's reasons hold below it.
    const below: Reasons = { ...inherited, ...own.map };
    if (s.items) {
      // A parameter's items are sent as one value, which replaces the array.
      walk(s.items, site.loc === "body" ? { loc: "body", at: [...site.at, 0] } : site, below, "fixed");
    }
    if (s.properties || s.additionalProperties !== undefined || s.required) {
      if (!inBody) problems.push(`${where}: object parameters are not walked`);
      const at = site.loc === "body" ? site.at : [];
      const needed = new Set(s.required ?? []);
      for (const name of needed) {
        if (!s.properties?.[name]) problems.push(`${where}: requires ${name}, which it does not describe`);
      }
      for (const [name, p] of Object.entries(s.properties ?? {})) {
        walk(p, { loc: "body", at: [...at, name] }, below, needed.has(name) ? "required" : "optional");
      }
      if (s.additionalProperties === false) {
        const key = "x_ajc_unknown_field";
        reject("additionalProperties", 1, (b) => set(b, { loc: "body", at: [...at, key] }, 1));
      } else if (typeof s.additionalProperties === "object") {
        walk(s.additionalProperties, { loc: "body", at: [...at, "x_ajc_extra"] }, below, "optional");
      }
    }
    const groups = s["x-ajc-exclusive"];
    if (groups !== undefined) {
      if (site.loc !== "body" || site.at.length > 0) {
        problems.push(`${where}: x-ajc-exclusive is walked on a request body only`);
      }
      for (const group of groups as string[][]) {
        for (const m of group) {
          // The baseline keeps only the member a probe is about: this one, as given there.
          probes.push({
            rule: `edge: ${m} alone`,
            site: { loc: "body", at: [m] },
            make: (b) => b,
            outcome: { accept: true },
          });
        }
        const reason = reasonFor("x-ajc-exclusive");
        if (!reason) problems.push(`${where}: no documented reason for x-ajc-exclusive`);
        else {
          // Every member, as the baseline gives it or a valid value of its own schema.
          const fill = (b: Req): Req => {
            const r = structuredClone(b);
            const body = r.body as Record<string, unknown>;
            for (const m of group)
              if (body[m] === undefined) body[m] = sampleOf(doc, s.properties?.[m] ?? {});
            return r;
          };
          const rule = `x-ajc-exclusive ${group.join(", ")}`;
          probes.push({ rule, site, make: fill, outcome: { reject: reason }, exclusive: group });
        }
      }
    }
  };

  // The document lists the parameters an operation reads; one it does not list is ignored.
  probes.push({
    rule: "edge: a query parameter the document does not list",
    site: { loc: "query", name: "x_ajc_unknown" },
    make: (b) => ({ ...b, query: { ...b.query, x_ajc_unknown: ["1"] } }),
    outcome: { accept: true },
  });

  for (const raw of [...(item.parameters ?? []), ...(op.parameters ?? [])]) {
    const prm = deref<ParameterObject>(doc, raw);
    if (!["path", "query", "header"].includes(prm.in)) {
      problems.push(`${opName}: parameter ${prm.name} in ${prm.in} is not walked`);
      continue;
    }
    for (const k of Object.keys(prm)) {
      if (!PARAMETER_FIELDS.has(k))
        problems.push(`${opName}: parameter ${prm.name} has ${k}, which the walk does not know`);
    }
    if (!prm.schema) {
      problems.push(`${opName}: parameter ${prm.name} has no schema`);
      continue;
    }
    const presence = prm.in === "path" ? "fixed" : prm.required ? "required" : "optional";
    walk(prm.schema, { loc: prm.in as Loc, name: prm.name }, {}, presence);
  }

  const rb =
    op.requestBody &&
    deref<{
      required?: boolean;
      content?: Record<string, { schema?: SchemaObject }>;
      "x-ajc-reason"?: string;
    }>(doc, op.requestBody);
  if (rb) {
    const schema = rb.content?.["application/json"]?.schema;
    for (const media of Object.keys(rb.content ?? {})) {
      if (media !== "application/json") problems.push(`${opName}: request body ${media} is not walked`);
    }
    if (!schema) problems.push(`${opName}: request body without an application/json schema`);
    else {
      walk(schema, { loc: "body", at: [] }, {}, "fixed");
      if (rb.required) {
        const root = flatten(doc, schema);
        const reason = rb["x-ajc-reason"] ?? ownReasons(root).map.type ?? ownReasons(root).single;
        if (!reason) problems.push(`${opName}: no documented reason for a missing request body`);
        else {
          probes.push({
            rule: "requestBody required",
            site: { loc: "body", at: [] },
            make: (b) => ({ ...b, body: undefined }),
            outcome: { reject: reason },
          });
        }
      }
    }
  }
  return { probes, problems };
}

function valueAt(body: unknown, at: (string | 0)[]): unknown {
  let node = body as Record<string | number, unknown> | undefined;
  for (const k of at) node = node?.[k] as Record<string | number, unknown> | undefined;
  return node;
}

/** The `x-ajc-exclusive` groups of the body schema (at its top level). */
function exclusiveGroups(doc: OpenApiDoc, path: string, method: HttpMethod): string[][] {
  const op = doc.paths[path]![method]!;
  const rb =
    op.requestBody && deref<{ content?: Record<string, { schema?: SchemaObject }> }>(doc, op.requestBody);
  const schema = rb?.content?.["application/json"]?.schema;
  return schema ? ((flatten(doc, schema)["x-ajc-exclusive"] as string[][] | undefined) ?? []) : [];
}

/**
 * The baseline a probe starts from: of each exclusive group only the member the probe is about
 * (or the first one) is kept, unless the probe breaks that group.
 */
function prepare(full: Req, probe: Probe | undefined, groups: string[][]): Req {
  const r = structuredClone(full);
  const body = r.body as Record<string, unknown> | undefined;
  if (!body || typeof body !== "object" || Array.isArray(body)) return r;
  const about = probe?.site.loc === "body" ? probe.site.at[0] : undefined;
  for (const group of groups) {
    if (probe?.exclusive?.join() === group.join()) continue;
    const keep = typeof about === "string" && group.includes(about) ? about : group.find((m) => m in body);
    for (const m of group) if (m !== keep) delete body[m];
  }
  return r;
}

// ---------------------------------------------------------------------------------------------
// The server

let env: TestEnv;
let server: ApiServer;
let base: string;

beforeAll(async () => {
  env = await startTestEnv();
  await env.client.createQueue({ name: "Q" });
  // Something for a filtered listing to find, so an NDJSON answer has a line.
  await env.client.enqueue(env.client.newTask("schema:probe", null, {}), "Q");
  const port = await freePort();
  server = await startServer(
    env.client,
    { queue: "Q", bind: `127.0.0.1:${port}` },
    createLogger({ write: () => {} }),
  );
  base = `http://${server.address}`;
});

afterAll(async () => {
  await server?.close();
  await env?.close();
});

/** The status a refusal with `reason` has: the one its code goes with (see the document's table). */
function statusOf(reason: string): number {
  const code: string = REASON_CODES[reason as keyof typeof REASON_CODES];
  return (
    ({ not_found: 404, conflict: 409, duplicate: 409, payload_too_large: 413 } as Record<string, number>)[
      code
    ] ?? 400
  );
}

interface Answer {
  status: number;
  reason?: string;
  field?: string;
}

async function send(path: string, method: HttpMethod, r: Req): Promise<Answer> {
  let url = path.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(r.path[name] ?? ""));
  const q = new URLSearchParams();
  for (const [k, vs] of Object.entries(r.query)) for (const v of vs) q.append(k, v);
  if ([...q].length > 0) url += `?${q}`;
  const init: RequestInit = { method: method.toUpperCase(), headers: { ...r.header } };
  if (r.hasBody) {
    (init.headers as Record<string, string>)["content-type"] = "application/json";
    init.body = r.body === undefined ? "" : JSON.stringify(r.body);
  }
  if (method === "get" && path === "/v1/events") {
    // A stream that opened never ends by itself: its status is the answer, the body is left.
    const ac = new AbortController();
    const res = await fetch(base + url, { ...init, signal: ac.signal });
    if ((res.headers.get("content-type") ?? "").startsWith("text/event-stream")) {
      ac.abort();
      return { status: res.status };
    }
    const body = (await res.json()) as { error?: { details: { reason: string; field?: string } } };
    return { status: res.status, reason: body.error?.details.reason, field: body.error?.details.field };
  }
  const res = await checkedFetch<{ error?: { details: { reason: string; field?: string } } }>(
    base + url,
    init,
  );
  return {
    status: res.status,
    reason: res.body?.error?.details.reason,
    field: res.body?.error?.details.field,
  };
}

/**
 * A baseline from the document alone, for an operation BASELINES lacks: the request body's
 * `example`, a fresh name for each path parameter, no other parameters. Undefined when the
 * document does not give enough (a body without an example, a required query or header).
 */
function documentBaseline(path: string, method: HttpMethod): Baseline | undefined {
  const item = openapi.paths[path]!;
  const op = item[method]!;
  const params = [...(item.parameters ?? []), ...(op.parameters ?? [])].map((p) =>
    deref<ParameterObject>(openapi, p),
  );
  if (params.some((p) => p.in !== "path" && p.required)) return undefined;
  const rb =
    op.requestBody && deref<{ content?: Record<string, { schema?: SchemaObject }> }>(openapi, op.requestBody);
  const schema = rb?.content?.["application/json"]?.schema;
  const example = schema && flatten(openapi, schema).example;
  if (schema && example === undefined) return undefined;
  return {
    // Fresh names name nothing, and an example may have been created already.
    ok: [200, 201, 202, 204, ...STATE_OUTCOMES],
    req: () =>
      req({
        path: Object.fromEntries(params.filter((p) => p.in === "path").map((p) => [p.name, fresh("probe-")])),
        hasBody: schema !== undefined,
        body: structuredClone(example),
      }),
  };
}

const baselineOf = (path: string, method: HttpMethod, id: string | undefined): Baseline | undefined =>
  (id && BASELINES[id]) || documentBaseline(path, method);

const operations = Object.entries(openapi.paths).flatMap(([path, item]) =>
  HTTP_METHODS.filter((m) => item[m]).map((method) => ({ path, method, op: item[method]! })),
);
const withRules = operations.filter(
  ({ path, op }) =>
    op.requestBody || (op.parameters ?? []).length > 0 || (openapi.paths[path]!.parameters ?? []).length > 0,
);

const ajv = newAjv(openapi, false);
const compile = compiler(ajv, false);

/** Counts of what was walked, by rule, printed once at the end. */
const walked = new Map<string, number>();
/** Each rule once: operation, where, keyword (those broken, and those marked lenient). */
const rules = new Set<string>();

describe("the walk itself", () => {
  test("every rule of the document is a kind the walk knows, with a documented reason", () => {
    const problems = withRules.flatMap(({ path, method }) => planOperation(openapi, path, method).problems);
    expect(problems).toEqual([]);
  });

  test("every operation with rules has a baseline (here, or from the document's example)", () => {
    const missing = withRules.filter(({ path, method, op }) => !baselineOf(path, method, op.operationId));
    expect(missing.map(({ path, method }) => `${method.toUpperCase()} ${path}`)).toEqual([]);
  });

  test("the document's example makes a baseline where this file has none", () => {
    const b = documentBaseline("/v1/schedules", "post")!.req();
    expect(b.body).toEqual(openapi.components.schemas.ScheduleCreateRequest!.example);
    expect(documentBaseline("/v1/tasks/retry", "post")).toBeUndefined();
  });

  test("a rule added later is walked; an unknown kind, or one without a reason, is reported", () => {
    const doc: OpenApiDoc = structuredClone(openapi);
    const props = doc.components.schemas.TaskCreateRequest!.properties!;
    props.signature!.maxLength = 5;
    props.signature!["x-ajc-reason"] = "invalid_argument";
    props.load_dependencies!.oneOf = [{ type: "boolean" }];
    props.created!.minLength = 3;
    const { probes, problems } = planOperation(doc, "/v1/tasks", "post");
    expect(probes.some((p) => p.rule === "maxLength" && siteName(p.site) === "signature")).toBe(true);
    expect(problems).toContain(
      "createTask load_dependencies: does not know the keyword oneOf (teach the walk how to break it)",
    );
    expect(problems).toContain(
      "createTask created: no documented reason for minLength (add it to x-ajc-reason)",
    );
  });
});

describe("the server enforces each rule of api/openapi.yaml with its reason, and nothing more", () => {
  for (const { path, method, op } of withRules) {
    const id = op.operationId!;
    test(`${id} (${method.toUpperCase()} ${path})`, async () => {
      const baseline = baselineOf(path, method, id);
      if (!baseline) throw new Error(`no baseline for ${id}: add one to BASELINES`);
      const { probes } = planOperation(openapi, path, method);
      const groups = exclusiveGroups(openapi, path, method);
      const failures: string[] = [];

      // The baseline is valid by the document, and accepted.
      const sent = prepare(baseline.req(), undefined, groups);
      const rb =
        op.requestBody &&
        deref<{ content?: Record<string, { schema?: SchemaObject }> }>(openapi, op.requestBody);
      const schema = rb?.content?.["application/json"]?.schema;
      if (schema) {
        const validate = compile(schema);
        if (!validate(sent.body))
          failures.push(`baseline does not match the document:\n${describeErrors(validate.errors)}`);
      }
      const answer = await send(path, method, sent);
      if (!baseline.ok.includes(answer.status)) failures.push(`baseline: ${JSON.stringify(answer)}`);

      for (const probe of probes) {
        const r = probe.make(prepare(baseline.req(), probe, groups));
        const got = await send(path, method, r);
        const label = `${siteName(probe.site)} ${probe.rule}: sent ${JSON.stringify(probe.site.loc === "body" ? r.body : r[probe.site.loc][probe.site.name])}`;
        const kind =
          "reject" in probe.outcome ? probe.rule.replace(/ .*/, "") : probe.rule.replace(/:? .*/, "");
        walked.set(kind, (walked.get(kind) ?? 0) + 1);
        if ("reject" in probe.outcome || kind === "lenient")
          rules.add(`${id} ${siteName(probe.site)} ${probe.rule}`);
        if ("reject" in probe.outcome) {
          const status = statusOf(probe.outcome.reject);
          if (got.status !== status || got.reason !== probe.outcome.reject) {
            failures.push(
              `${label}: expected ${status} ${probe.outcome.reject}, got ${got.status} ${got.reason ?? ""}`,
            );
          } else if (got.field !== undefined && probe.site.loc !== "body" && got.field !== probe.site.name) {
            failures.push(`${label}: details.field is ${got.field}`);
          } else if (got.field !== undefined && probe.site.loc === "body" && probe.site.at.length > 0) {
            const top = probe.rule === "additionalProperties" ? "x_ajc_unknown_field" : probe.site.at[0];
            const allowed = probe.exclusive ?? [top];
            if (!allowed.includes(got.field)) failures.push(`${label}: details.field is ${got.field}`);
          }
        } else if (
          !baseline.ok.includes(got.status) &&
          !STATE_OUTCOMES.includes(got.status) &&
          !(got.status === 400 && STATE_REASONS.includes(got.reason ?? ""))
        ) {
          failures.push(
            `${label}: expected it accepted (${baseline.ok.join("/")}), got ${got.status} ${got.reason ?? ""}`,
          );
        }
      }
      expect(failures).toEqual([]);
      expect(probes.length).toBeGreaterThan(0);
    });
  }

  afterAll(() => {
    // "edge" and "lenient" probes are values that must be accepted; the others break a rule.
    const rows = [...walked].sort((a, b) => b[1] - a[1]);
    const total = rows.reduce((n, [, c]) => n + c, 0);
    console.log(
      `schema-constraints: ${rules.size} rules in ${withRules.length} operations, ${total} probes: ${rows.map(([k, c]) => `${k} ${c}`).join(", ")}`,
    );
  });
});
