/**
 * api/openapi.yaml is a compatible superset of the reference asyncjobs document: everything the
 * reference has is here with the same names and types, and nothing we add contradicts it. Also
 * checks our own additions (the closed error enum, reasons, 500/503 everywhere they belong).
 */
import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import ours from "../../api/openapi.yaml";
import { ERROR_CODES, REASON_CODES } from "../../src/core/errors.ts";
import {
  deref,
  HTTP_METHODS,
  type HttpMethod,
  isRef,
  newAjv,
  type OpenApiDoc,
  type OperationObject,
  type ParameterObject,
  type RefObject,
  type ResponseObject,
  type SchemaObject,
  toJsonSchema,
} from "../helpers/openapi-schema.ts";
import { skipBecause } from "../helpers/tools.ts";
import reference from "./fixtures/asyncjobs-reference-openapi.yaml";

const OURS: OpenApiDoc = ours;
const REF: OpenApiDoc = reference;

type Usage = "request" | "response" | "both";

/** Component schema names reachable from `start`, following $refs. */
function reachable(doc: OpenApiDoc, start: unknown, into: Set<string>): void {
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const x of node) walk(x);
    } else if (node && typeof node === "object") {
      if (isRef(node)) {
        const m = /^#\/components\/schemas\/(.+)$/.exec(node.$ref);
        if (m && !into.has(m[1]!)) {
          into.add(m[1]!);
          walk(doc.components.schemas[m[1]!]);
        } else if (!m) {
          walk(deref(doc, node));
        }
        return;
      }
      for (const v of Object.values(node)) walk(v);
    }
  };
  walk(start);
}

function operations(doc: OpenApiDoc): { path: string; method: HttpMethod; op: OperationObject }[] {
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    HTTP_METHODS.filter((m) => item[m]).map((method) => ({ path, method, op: item[method]! })),
  );
}

/** Whether each reference component schema is read in requests, responses or both. */
function usages(doc: OpenApiDoc): Map<string, Usage> {
  const req = new Set<string>();
  const res = new Set<string>();
  for (const { path, op } of operations(doc)) {
    reachable(doc, [doc.paths[path]!.parameters, op.parameters, op.requestBody], req);
    reachable(doc, op.responses, res);
  }
  const out = new Map<string, Usage>();
  for (const name of Object.keys(doc.components.schemas)) {
    out.set(name, req.has(name) && res.has(name) ? "both" : req.has(name) ? "request" : "response");
  }
  return out;
}

const CONSTRAINTS = [
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
  "default",
];

class Comparer {
  readonly problems: string[] = [];
  private readonly seen = new Map<object, Set<object>>();

  constructor(
    private readonly refUsage: Map<string, Usage>,
    private readonly ours: OpenApiDoc,
  ) {}

  schema(refIn: SchemaObject | RefObject, ourIn: SchemaObject | RefObject, at: string, usage: Usage): void {
    if (isRef(refIn)) {
      const name = /^#\/components\/schemas\/(.+)$/.exec(refIn.$ref)?.[1];
      if (name) usage = this.refUsage.get(name) ?? usage;
    }
    const r = deref<SchemaObject>(REF, refIn);
    const o = deref<SchemaObject>(this.ours, ourIn);
    const pairs = this.seen.get(r) ?? new Set<object>();
    if (pairs.has(o)) return;
    pairs.add(o);
    this.seen.set(r, pairs);
    const p = (msg: string) => this.problems.push(`${at}: ${msg}`);

    if (r.type !== o.type) p(`type is ${o.type}, the reference says ${r.type}`);
    if (r.format !== o.format) p(`format is ${o.format}, the reference says ${r.format}`);
    if (r.nullable && !o.nullable) p("must stay nullable");
    if (r.enum) {
      const missing = r.enum.filter((v) => !o.enum?.includes(v));
      if (missing.length > 0) p(`enum lacks ${JSON.stringify(missing)}`);
    } else if (o.enum && usage !== "response") {
      p("adds an enum the reference does not have (would refuse inputs it allows)");
    }
    for (const k of CONSTRAINTS) {
      if (k in r && JSON.stringify(r[k]) !== JSON.stringify(o[k])) {
        p(`${k} is ${JSON.stringify(o[k])}, the reference says ${JSON.stringify(r[k])}`);
      } else if (!(k in r) && k in o && k !== "default" && usage !== "response") {
        p(`adds ${k} (would refuse inputs the reference allows)`);
      }
    }
    for (const [name, rp] of Object.entries(r.properties ?? {})) {
      const op = o.properties?.[name];
      if (!op) p(`property ${name} is missing`);
      else this.schema(rp, op, `${at}.${name}`, usage);
    }
    const rReq = r.required ?? [];
    const oReq = o.required ?? [];
    if (usage !== "request") {
      const dropped = rReq.filter((x) => !oReq.includes(x));
      if (dropped.length > 0) p(`no longer requires ${dropped.join(", ")} (responses may lack them)`);
    }
    if (usage !== "response") {
      const added = oReq.filter((x) => !rReq.includes(x));
      if (added.length > 0) p(`requires ${added.join(", ")} in requests (the reference does not)`);
    }
    if (r.items) {
      if (!o.items) p("items is missing");
      else this.schema(r.items, o.items, `${at}[]`, usage);
    }
    if (typeof r.additionalProperties === "object") {
      if (typeof o.additionalProperties !== "object") p("additionalProperties schema is missing");
      else this.schema(r.additionalProperties, o.additionalProperties, `${at}{}`, usage);
    } else if (r.additionalProperties === false && o.additionalProperties !== false) {
      p("must keep additionalProperties: false");
    }
  }

  response(rIn: ResponseObject | RefObject, oIn: ResponseObject | RefObject, at: string): void {
    const r = deref<ResponseObject>(REF, rIn);
    const o = deref<ResponseObject>(this.ours, oIn);
    for (const name of Object.keys(r.headers ?? {})) {
      if (!o.headers?.[name]) this.problems.push(`${at}: header ${name} is missing`);
    }
    if (!r.content && o.content) this.problems.push(`${at}: has a body, the reference has none`);
    for (const [media, mt] of Object.entries(r.content ?? {})) {
      const omt = o.content?.[media];
      if (!omt) this.problems.push(`${at}: content ${media} is missing`);
      else if (mt.schema && omt.schema) this.schema(mt.schema, omt.schema, `${at} ${media}`, "response");
    }
  }
}

function params(doc: OpenApiDoc, path: string, op: OperationObject): Map<string, ParameterObject> {
  const all = [...(doc.paths[path]!.parameters ?? []), ...(op.parameters ?? [])];
  return new Map(
    all.map((x) => {
      const prm = deref<ParameterObject>(doc, x);
      return [`${prm.in}:${prm.name}`, prm];
    }),
  );
}

function compareDocuments(OURS: OpenApiDoc): string[] {
  const cmp = new Comparer(usages(REF), OURS);
  const problems = cmp.problems;
  if (OURS.openapi !== REF.openapi) problems.push(`openapi is ${OURS.openapi}, not ${REF.openapi}`);
  // Components first, so a problem in a shared schema is reported once, under its name.
  for (const name of Object.keys(REF.components.schemas)) {
    const mine = OURS.components.schemas[name];
    if (!mine) problems.push(`components.schemas.${name}: missing`);
    else cmp.schema({ $ref: `#/components/schemas/${name}` }, mine, name, "both");
  }
  for (const { path, method, op } of operations(REF)) {
    const at = `${method.toUpperCase()} ${path}`;
    const mine = OURS.paths[path]?.[method];
    if (!mine) {
      problems.push(`${at}: missing`);
      continue;
    }
    if (mine.operationId !== op.operationId) {
      problems.push(`${at}: operationId is ${mine.operationId}, the reference says ${op.operationId}`);
    }
    const ourParams = params(OURS, path, mine);
    for (const [key, rp] of params(REF, path, op)) {
      const prm = ourParams.get(key);
      if (!prm) {
        problems.push(`${at}: parameter ${key} is missing`);
        continue;
      }
      if (prm.required && !rp.required) problems.push(`${at}: parameter ${key} became required`);
      for (const k of ["style", "explode"] as const) {
        const rv = (rp as unknown as Record<string, unknown>)[k];
        const ov = (prm as unknown as Record<string, unknown>)[k];
        if (rv !== undefined && rv !== ov) problems.push(`${at}: parameter ${key} ${k} changed`);
      }
      if (rp.schema && prm.schema) cmp.schema(rp.schema, prm.schema, `${at} parameter ${key}`, "request");
    }
    for (const [key] of ourParams) {
      if (!params(REF, path, op).has(key) && ourParams.get(key)!.required) {
        problems.push(`${at}: adds required parameter ${key}`);
      }
    }
    const rb = op.requestBody && deref(REF, op.requestBody);
    const ob = mine.requestBody && deref(OURS, mine.requestBody);
    if (rb) {
      for (const [media, mt] of Object.entries(rb.content ?? {})) {
        const omt = ob?.content?.[media];
        if (!omt) problems.push(`${at}: request body ${media} is missing`);
        else if (mt.schema && omt.schema) cmp.schema(mt.schema, omt.schema, `${at} request`, "request");
      }
    } else if (ob) {
      problems.push(`${at}: adds a request body`);
    }
    for (const [status, resp] of Object.entries(op.responses)) {
      const mineResp = mine.responses[status];
      if (!mineResp) problems.push(`${at}: response ${status} is missing`);
      else cmp.response(resp, mineResp, `${at} → ${status}`);
    }
  }
  for (const name of Object.keys(REF.components.responses ?? {})) {
    const mine = OURS.components.responses?.[name];
    if (!mine) problems.push(`components.responses.${name}: missing`);
    else cmp.response(REF.components.responses![name]!, mine, `components.responses.${name}`);
  }
  const ourTags = new Set(((OURS as unknown as { tags?: { name: string }[] }).tags ?? []).map((t) => t.name));
  for (const t of (REF as unknown as { tags?: { name: string }[] }).tags ?? []) {
    if (!ourTags.has(t.name)) problems.push(`tag ${t.name} is missing`);
  }
  return problems;
}

describe("api/openapi.yaml is a superset of the reference", () => {
  // The shared copy is only in the development workspace; CI has the vendored one alone.
  const shared = join(import.meta.dir, "..", "..", "..", "shared", "reference", "asyncjobs-openapi.yaml");
  test.skipIf(skipBecause(!existsSync(shared), `no ${shared} outside the development workspace`))(
    "the vendored reference is the shared one",
    () => {
      expect(Bun.YAML.parse(readFileSync(shared, "utf8"))).toEqual(REF);
    },
  );

  test("every path, operation, parameter, response, schema, property and enum value", () => {
    expect(compareDocuments(OURS)).toEqual([]);
  });

  test("the comparison catches a removed property, enum value, status and a changed type", () => {
    const bad: OpenApiDoc = structuredClone(OURS);
    const s = bad.components.schemas;
    delete s.Task!.properties!.last_err;
    (s.TaskState!.enum as string[]).pop();
    delete bad.paths["/v1/tasks"]!.post!.responses["413"];
    s.Info!.properties!.task_count!.type = "string";
    s.TaskCreateRequest!.required = ["type", "queue"];
    s.Task!.required = ["id"];
    delete bad.paths["/v1/queues/{name}"]!.delete;
    const problems = compareDocuments(bad);
    expect(problems).toContain("Task: property last_err is missing");
    expect(problems).toContain('TaskState: enum lacks ["unreachable"]');
    expect(problems).toContain("POST /v1/tasks: response 413 is missing");
    expect(problems).toContain("Info.task_count: type is string, the reference says integer");
    expect(problems).toContain("TaskCreateRequest: requires queue in requests (the reference does not)");
    expect(problems).toContain(
      "Task: no longer requires type, state, created, payload (responses may lack them)",
    );
    expect(problems).toContain("DELETE /v1/queues/{name}: missing");
  });
});

describe("our additions", () => {
  const schemas = OURS.components.schemas;
  const errorBody = schemas.Error!.properties!.error!;

  test("the error code enum is exactly the closed enum of src/core/errors.ts", () => {
    expect(errorBody.properties!.code!.enum).toEqual([...ERROR_CODES]);
  });

  test("every reason of src/core/errors.ts is documented with its code", () => {
    const text = String(errorBody.properties!.details!.description);
    const groups = new Map<string, string>();
    for (const m of text.matchAll(/^- `(\w+)`:([\s\S]*?)(?=^- `|(?![\s\S]))/gm)) groups.set(m[1]!, m[2]!);
    const missing = Object.entries(REASON_CODES)
      .filter(([reason, code]) => !groups.get(code)?.includes(`\`${reason}\``))
      .map(([reason, code]) => `${reason} (${code})`);
    expect(missing).toEqual([]);
    expect([...groups.keys()].sort()).toEqual([...ERROR_CODES].sort());
  });

  test("every operation documents 500; every storage operation documents 503 with the envelope", () => {
    const noStorage = new Set(["getHealthz", "getReadyz", "getOpenAPI", "getInfo", "listRetryPolicies"]);
    const problems: string[] = [];
    for (const { path, method, op } of operations(OURS)) {
      const at = `${op.operationId} (${method.toUpperCase()} ${path})`;
      if (!op.responses["500"]) problems.push(`${at}: no 500`);
      if (!noStorage.has(op.operationId!) && !op.responses["503"]) problems.push(`${at}: no 503`);
      for (const [status, resp] of Object.entries(op.responses)) {
        if (Number(status) < 400 || op.operationId === "getReadyz") continue;
        const schema = deref<ResponseObject>(OURS, resp).content?.["application/json"]?.schema;
        if (!schema || !isRef(schema) || schema.$ref !== "#/components/schemas/Error") {
          problems.push(`${at}: ${status} does not use the Error envelope`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  test("the browser guard: every operation documents 403, every POST 415, with the envelope", () => {
    const problems: string[] = [];
    for (const { path, method, op } of operations(OURS)) {
      const at = `${op.operationId} (${method.toUpperCase()} ${path})`;
      if (!isRef(op.responses["403"]) || op.responses["403"].$ref !== "#/components/responses/Forbidden") {
        problems.push(`${at}: no 403 Forbidden`);
      }
      const takesBody = method === "post" || op.requestBody !== undefined;
      const ums = op.responses["415"];
      if (takesBody && (!isRef(ums) || ums.$ref !== "#/components/responses/UnsupportedMediaType")) {
        problems.push(`${at}: no 415 UnsupportedMediaType`);
      }
    }
    expect(problems).toEqual([]);
    const info = String(OURS.info?.description);
    for (const reason of ["unsupported_media_type", "origin_forbidden", "host_forbidden"]) {
      expect(info).toContain(`\`${reason}\``);
    }
  });

  test("createTask: replay, queue, conflicts, signatures, size, availability", () => {
    const op = OURS.paths["/v1/tasks"]!.post!;
    expect(Object.keys(op.responses).sort()).toEqual([
      "200",
      "201",
      "400",
      "403",
      "404",
      "409",
      "413",
      "415",
      "500",
      "503",
    ]);
    for (const s of ["200", "201"]) {
      expect(deref(OURS, deref<ResponseObject>(OURS, op.responses[s]!).headers!.Location!)).toMatchObject({
        required: true,
      });
    }
    const desc = String((op as unknown as { description: string }).description);
    for (const reason of [
      "queue_not_found",
      "idempotency_key_reused",
      "task_already_exists",
      "task_not_signed",
      "task_signature_invalid",
      "payload_both_set",
    ]) {
      expect(desc).toContain(reason);
    }
    const req = schemas.TaskCreateRequest!.properties!;
    expect(req.id).toMatchObject({ type: "string", pattern: "^[a-zA-Z0-9_:-]+$" });
    expect(req.created).toMatchObject({ type: "string", format: "date-time" });
  });

  test("listTasks: 429 carries Retry-After", () => {
    const resp = deref<ResponseObject>(OURS, OURS.paths["/v1/tasks"]!.get!.responses["429"]!);
    expect(deref(OURS, resp.headers!["Retry-After"]!)).toMatchObject({ required: true });
  });

  test("/v1/openapi.json, and unknown paths and methods, are described", () => {
    expect(OURS.paths["/v1/openapi.json"]?.get?.operationId).toBe("getOpenAPI");
    const info = String((OURS as unknown as { info: { description: string } }).info.description);
    expect(info).toContain("`404`");
    expect(info).toContain("`405`");
    expect(info).toContain("`Allow`");
    expect(OURS.components.responses?.MethodNotAllowed).toBeDefined();
  });

  test("QueueInfo's additions are read-only and optional", () => {
    const q = schemas.QueueInfo!;
    for (const f of ["entries", "bytes", "in_flight", "memory", "replicas"]) {
      expect(q.properties![f]).toMatchObject({ readOnly: true });
      expect(q.required).not.toContain(f);
    }
  });

  test("every schema compiles with ajv in strict mode", () => {
    const ajv = newAjv(OURS, true);
    for (const s of Object.values(schemas)) expect(() => ajv.compile(toJsonSchema(s, true))).not.toThrow();
  });
});
