/**
 * Strict decoding of JSON request bodies against a small declared shape: malformed JSON, a body that
 * is not an object, unknown fields and wrong types are `invalid_json`; a missing required field is
 * the reason its shape names. Every failure carries `details.field` when one field is to blame.
 * `null` counts as absent, as Go's decoder treats it for optional fields.
 */
import { AjcError, type Reason } from "../core/errors.ts";

/** A JSON type a field may have. */
export interface FieldType<T> {
  what: string;
  test(v: unknown): v is T;
}

export const STRING: FieldType<string> = {
  what: "a string",
  test: (v): v is string => typeof v === "string",
};
export const INTEGER: FieldType<number> = {
  what: "an integer",
  test: (v): v is number => Number.isSafeInteger(v),
};
export const BOOLEAN: FieldType<boolean> = {
  what: "true or false",
  test: (v): v is boolean => typeof v === "boolean",
};
export const STRINGS: FieldType<string[]> = {
  what: "an array of strings",
  test: (v): v is string[] => Array.isArray(v) && v.every((s) => typeof s === "string"),
};
export const ANY: FieldType<unknown> = { what: "any JSON value", test: (_v): _v is unknown => true };

/** One field of a shape; `required` is the reason reported when it is missing. */
export interface FieldSpec<T = unknown> {
  type: FieldType<T>;
  required?: Reason;
}

export type Shape = Record<string, FieldSpec>;

type ValueOf<F> = F extends FieldSpec<infer T> ? T : never;

/** What decoding a shape yields: required fields present, the others optional. */
export type Decoded<S extends Shape> = {
  [K in keyof S as S[K] extends { required: Reason } ? K : never]: ValueOf<S[K]>;
} & {
  [K in keyof S as S[K] extends { required: Reason } ? never : K]?: ValueOf<S[K]>;
};

const shown = (name: string) => JSON.stringify(name.length > 64 ? `${name.slice(0, 64)}…` : name);

/**
 * Deepest nesting of arrays and objects a body may have. JSON.parse takes any depth, but the
 * recursive code after it (JSON.stringify of a payload, the idempotency fingerprint) runs out of
 * stack somewhere past ten thousand levels, which would be a 500; Go's decoder stops at 10000.
 */
export const MAX_JSON_DEPTH = 1000;

/** True when the JSON text nests arrays and objects deeper than `max` (strings are skipped). */
export function nestedDeeperThan(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      // A backslash escapes the next character; a quote ends the string.
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return true;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return false;
}

/** Parses a body as a JSON object. */
export function parseObject(body: Buffer): Record<string, unknown> {
  if (body.length === 0) throw new AjcError("invalid_json", "a JSON request body is required");
  const text = body.toString("utf8");
  if (nestedDeeperThan(text, MAX_JSON_DEPTH)) {
    throw new AjcError("invalid_json", `request body nests deeper than ${MAX_JSON_DEPTH} levels`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new AjcError("invalid_json", "request body is not valid JSON");
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new AjcError("invalid_json", "request body must be a JSON object");
  }
  return value as Record<string, unknown>;
}

/** Decodes a body strictly against `shape`. */
export function decodeBody<S extends Shape>(body: Buffer, shape: S): Decoded<S> {
  return decodeObject(parseObject(body), shape);
}

/** Checks an already parsed object strictly against `shape`. */
export function decodeObject<S extends Shape>(obj: Record<string, unknown>, shape: S): Decoded<S> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(obj)) {
    const spec = Object.hasOwn(shape, key) ? shape[key] : undefined;
    if (!spec) throw new AjcError("invalid_json", `unknown field ${shown(key)}`, { field: key });
    const v = obj[key];
    if (v === null) continue;
    if (!spec.type.test(v))
      throw new AjcError("invalid_json", `${key} must be ${spec.type.what}`, { field: key });
    out[key] = v;
  }
  for (const [key, spec] of Object.entries(shape)) {
    if (spec.required && out[key] === undefined) {
      throw new AjcError(spec.required, `${key} is required`, { field: key });
    }
  }
  return out as Decoded<S>;
}
