import { expect, test } from "bun:test";
import { ANY, BOOLEAN, decodeBody, INTEGER, type Shape, STRING, STRINGS } from "../../src/http/decode.ts";

const SHAPE = {
  type: { type: STRING, required: "task_type_invalid" },
  n: { type: INTEGER },
  ok: { type: BOOLEAN },
  ids: { type: STRINGS },
  payload: { type: ANY },
} satisfies Shape;

const decode = (text: string) => decodeBody(Buffer.from(text), SHAPE);

function failure(text: string) {
  try {
    decode(text);
  } catch (err) {
    const e = err as { reason: string; field?: string };
    return { reason: e.reason, field: e.field };
  }
  throw new Error(`decoded: ${text}`);
}

test("a valid body decodes with its types", () => {
  const v = decode('{"type":"t","n":3,"ok":true,"ids":["a"],"payload":{"x":[1]}}');
  expect(v).toEqual({ type: "t", n: 3, ok: true, ids: ["a"], payload: { x: [1] } });
});

test("null counts as absent", () => {
  expect(decode('{"type":"t","n":null,"payload":null}')).toEqual({ type: "t" });
});

test("malformed JSON, non-objects and empty bodies are invalid_json", () => {
  for (const t of ["", "{", "[]", '"x"', "1", "null", "{'type':'t'}"]) {
    expect(failure(t)).toEqual({ reason: "invalid_json", field: undefined });
  }
});

test("unknown fields are refused with the field named", () => {
  expect(failure('{"type":"t","extra":1}')).toEqual({ reason: "invalid_json", field: "extra" });
  expect(failure('{"type":"t","__proto__":{"x":1}}')).toEqual({ reason: "invalid_json", field: "__proto__" });
});

test("wrong types are refused with the field named", () => {
  expect(failure('{"type":1}')).toEqual({ reason: "invalid_json", field: "type" });
  expect(failure('{"type":"t","n":1.5}')).toEqual({ reason: "invalid_json", field: "n" });
  expect(failure('{"type":"t","n":"1"}')).toEqual({ reason: "invalid_json", field: "n" });
  expect(failure('{"type":"t","n":1e300}')).toEqual({ reason: "invalid_json", field: "n" });
  expect(failure('{"type":"t","ok":"yes"}')).toEqual({ reason: "invalid_json", field: "ok" });
  expect(failure('{"type":"t","ids":["a",1]}')).toEqual({ reason: "invalid_json", field: "ids" });
});

test("a missing required field has the reason its shape names", () => {
  expect(failure("{}")).toEqual({ reason: "task_type_invalid", field: "type" });
  expect(failure('{"type":null}')).toEqual({ reason: "task_type_invalid", field: "type" });
});
