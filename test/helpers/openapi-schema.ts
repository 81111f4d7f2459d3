/**
 * Turns the OpenAPI 3.0 schemas of api/openapi.yaml into JSON Schema that ajv compiles, and
 * formats ajv's complaints for people. Used by ./openapi.ts; nothing else should need it.
 */
import Ajv, { type ErrorObject, type ValidateFunction } from "ajv";

/** The parts of an OpenAPI 3.0 document these helpers read. */
export interface OpenApiDoc {
  openapi: string;
  info?: { title?: string; version?: string; description?: string };
  paths: Record<string, PathItem>;
  components: {
    schemas: Record<string, SchemaObject>;
    responses?: Record<string, ResponseObject | RefObject>;
    headers?: Record<string, HeaderObject | RefObject>;
    parameters?: Record<string, ParameterObject | RefObject>;
  };
}
export type HttpMethod = "get" | "put" | "post" | "delete" | "patch" | "head" | "options" | "trace";
export const HTTP_METHODS: readonly HttpMethod[] = [
  "get",
  "put",
  "post",
  "delete",
  "patch",
  "head",
  "options",
  "trace",
];
export type PathItem = Partial<Record<HttpMethod, OperationObject>> & {
  parameters?: (ParameterObject | RefObject)[];
};
export interface OperationObject {
  operationId?: string;
  parameters?: (ParameterObject | RefObject)[];
  requestBody?: { content?: Record<string, MediaTypeObject> } | RefObject;
  responses: Record<string, ResponseObject | RefObject>;
}
export interface ParameterObject {
  name: string;
  in: string;
  required?: boolean;
  schema?: SchemaObject;
}
export interface ResponseObject {
  description?: string;
  headers?: Record<string, HeaderObject | RefObject>;
  content?: Record<string, MediaTypeObject>;
}
export interface HeaderObject {
  required?: boolean;
  schema?: SchemaObject;
}
export interface MediaTypeObject {
  schema?: SchemaObject;
}
export interface RefObject {
  $ref: string;
}
/** A schema node; OpenAPI's keywords are a superset of what is typed here. */
export interface SchemaObject {
  $ref?: string;
  type?: string;
  format?: string;
  nullable?: boolean;
  enum?: unknown[];
  properties?: Record<string, SchemaObject>;
  required?: string[];
  items?: SchemaObject;
  additionalProperties?: boolean | SchemaObject;
  [keyword: string]: unknown;
}

export function isRef(x: unknown): x is RefObject {
  return typeof x === "object" && x !== null && typeof (x as RefObject).$ref === "string";
}

/** Follows a local `#/...` reference (repeatedly) to the object it names. */
export function deref<T>(doc: OpenApiDoc, x: T | RefObject): T {
  let cur: unknown = x;
  for (let hops = 0; isRef(cur); hops++) {
    if (hops > 20 || !cur.$ref.startsWith("#/")) throw new Error(`cannot follow $ref ${cur.$ref}`);
    let node: unknown = doc;
    for (const part of cur.$ref.slice(2).split("/")) {
      const key = part.replace(/~1/g, "/").replace(/~0/g, "~");
      node = typeof node === "object" && node !== null ? (node as Record<string, unknown>)[key] : undefined;
    }
    if (node === undefined) throw new Error(`dangling $ref ${cur.$ref}`);
    cur = node;
  }
  return cur as T;
}

/** The `$id` under which the document's component schemas are registered with ajv. */
export const ROOT_ID = "ajc-openapi";
const SCHEMA_REF = "#/components/schemas/";
/** OpenAPI keywords that JSON Schema (draft-07, as ajv runs it) does not know. */
const OPENAPI_ONLY = new Set(["nullable", "example", "xml", "externalDocs", "discriminator"]);

/**
 * Converts one OpenAPI 3.0 schema to JSON Schema: `nullable` becomes a `null` type (and enum
 * value), component references point into the registered root, OpenAPI-only keywords go. With
 * `closed`, objects that list `properties` but say nothing about others refuse unlisted ones, so a
 * response field the document does not describe is reported rather than silently accepted.
 */
export function toJsonSchema(s: SchemaObject, closed: boolean): Record<string, unknown> {
  if (typeof s.$ref === "string") {
    if (!s.$ref.startsWith(SCHEMA_REF)) throw new Error(`unsupported schema $ref ${s.$ref}`);
    return { $ref: `${ROOT_ID}#/definitions/${s.$ref.slice(SCHEMA_REF.length)}` };
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(s)) {
    if (OPENAPI_ONLY.has(k) || k.startsWith("x-")) continue;
    if (k === "properties" && v && typeof v === "object") {
      out.properties = Object.fromEntries(
        Object.entries(v as Record<string, SchemaObject>).map(([name, p]) => [name, toJsonSchema(p, closed)]),
      );
    } else if ((k === "items" || k === "not") && v && typeof v === "object") {
      out[k] = toJsonSchema(v as SchemaObject, closed);
    } else if (k === "additionalProperties" && v && typeof v === "object") {
      out[k] = toJsonSchema(v as SchemaObject, closed);
    } else if ((k === "allOf" || k === "anyOf" || k === "oneOf") && Array.isArray(v)) {
      out[k] = (v as SchemaObject[]).map((x) => toJsonSchema(x, closed));
    } else {
      out[k] = v;
    }
  }
  if (s.nullable === true) {
    if (typeof s.type === "string") out.type = [s.type, "null"];
    if (Array.isArray(s.enum) && !s.enum.includes(null)) out.enum = [...s.enum, null];
  }
  const composed = "allOf" in s || "anyOf" in s || "oneOf" in s;
  if (closed && s.properties && s.additionalProperties === undefined && !composed) {
    out.additionalProperties = false;
  }
  return out;
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** An ajv instance with the formats the document uses and all component schemas registered. */
export function newAjv(doc: OpenApiDoc, closed: boolean): Ajv {
  const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
  ajv.addFormat("date-time", {
    type: "string",
    validate: (s: string) => RFC3339.test(s) && !Number.isNaN(Date.parse(s)),
  });
  ajv.addFormat("byte", { type: "string", validate: (s: string) => BASE64.test(s) });
  ajv.addFormat("int64", { type: "number", validate: (n: number) => Number.isInteger(n) });
  ajv.addFormat("int32", {
    type: "number",
    validate: (n: number) => Number.isInteger(n) && n >= -(2 ** 31) && n < 2 ** 31,
  });
  ajv.addFormat("double", { type: "number", validate: () => true });
  ajv.addFormat("float", { type: "number", validate: () => true });
  const definitions = Object.fromEntries(
    Object.entries(doc.components.schemas).map(([name, s]) => [name, toJsonSchema(s, closed)]),
  );
  ajv.addSchema({ $id: ROOT_ID, definitions });
  return ajv;
}

/** Compiles a schema once per (ajv, schema object). */
export function compiler(ajv: Ajv, closed: boolean): (s: SchemaObject) => ValidateFunction {
  const cache = new WeakMap<SchemaObject, ValidateFunction>();
  return (s) => {
    let v = cache.get(s);
    if (!v) {
      v = ajv.compile(toJsonSchema(s, closed));
      cache.set(s, v);
    }
    return v;
  };
}

/** Ajv errors as indented lines that say where and what. */
export function describeErrors(errors: ErrorObject[] | null | undefined): string {
  return (errors ?? [])
    .map((e) => {
      const at = e.instancePath === "" ? "(body)" : e.instancePath;
      const p = e.params as Record<string, unknown>;
      let what = e.message ?? e.keyword;
      if (e.keyword === "additionalProperty" || e.keyword === "additionalProperties") {
        what = `has property "${String(p.additionalProperty)}" that the document does not describe`;
      } else if (e.keyword === "enum") {
        what = `must be one of ${JSON.stringify(p.allowedValues)}`;
      }
      return `  ${at} ${what}`;
    })
    .join("\n");
}

/** A body for an error message: JSON, cut short. */
export function preview(body: unknown, max = 600): string {
  const s = typeof body === "string" ? body : JSON.stringify(body);
  if (s === undefined) return String(body);
  return s.length > max ? `${s.slice(0, max)}… (${s.length} chars)` : s;
}
