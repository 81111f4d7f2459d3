import { expect, test } from "bun:test";
import { AjcError, ERROR_CODES, REASON_CODES, type Reason } from "../../src/core/errors.ts";
import { envelopeOf, INTERNAL_MESSAGE, STATUS_BY_CODE } from "../../src/http/envelope.ts";

/** The spec's "Library error to HTTP mapping", plus our own reasons. */
const EXPECTED: [Reason, number, string][] = [
  ["task_not_found", 404, "not_found"],
  ["task_type_invalid", 400, "invalid_argument"],
  ["task_id_invalid", 400, "invalid_argument"],
  ["task_cannot_enqueue", 409, "conflict"],
  ["task_past_deadline", 409, "conflict"],
  ["task_already_active", 409, "conflict"],
  ["task_already_in_state", 409, "conflict"],
  ["task_already_signed", 409, "conflict"],
  ["task_not_signed", 400, "signature_required"],
  ["task_signature_invalid", 400, "signature_invalid"],
  ["storage_not_ready", 503, "unavailable"],
  ["storage_timeout", 504, "unavailable"],
  ["queue_not_found", 404, "not_found"],
  ["queue_name_required", 400, "invalid_argument"],
  ["schedule_not_found", 404, "not_found"],
  ["schedule_already_exists", 409, "duplicate"],
  ["duplicate_item", 409, "duplicate"],
  ["schedule_invalid", 400, "invalid_argument"],
  ["unknown_retry_policy", 400, "invalid_argument"],
  ["internal", 500, "internal"],
  ["queue_already_exists", 409, "duplicate"],
  ["default_queue_disallowed", 400, "invalid_argument"],
  ["invalid_duration", 400, "invalid_argument"],
  ["invalid_json", 400, "invalid_argument"],
  ["payload_both_set", 400, "invalid_argument"],
  ["ids_required", 400, "invalid_argument"],
  ["ids_too_many", 400, "invalid_argument"],
  ["limit_invalid", 400, "invalid_argument"],
  ["list_in_progress", 429, "rate_limited"],
  ["payload_too_large", 413, "payload_too_large"],
  ["idempotency_key_reused", 409, "conflict"],
  ["task_already_exists", 409, "conflict"],
  ["not_found", 404, "not_found"],
  ["method_not_allowed", 405, "invalid_argument"],
  ["unsupported_media_type", 415, "invalid_argument"],
  ["origin_forbidden", 403, "invalid_argument"],
  ["host_forbidden", 403, "invalid_argument"],
];

test("every reason of the spec's mapping gets its status and code", () => {
  for (const [reason, status, code] of EXPECTED) {
    const e = envelopeOf(new AjcError(reason, "boom", { field: "f" }));
    expect([reason, e.status]).toEqual([reason, status]);
    expect(JSON.parse(e.body).error).toMatchObject({ code, details: { reason, field: "f" } });
  }
});

test("every reason and every code has a status", () => {
  for (const code of ERROR_CODES) expect(STATUS_BY_CODE[code]).toBeGreaterThanOrEqual(400);
  for (const reason of Object.keys(REASON_CODES) as Reason[]) {
    expect(envelopeOf(new AjcError(reason, "x")).status).toBeGreaterThanOrEqual(400);
  }
});

test("unexpected errors become an opaque 500", () => {
  const plain = envelopeOf(new Error("secret detail from deep inside"));
  expect(plain.status).toBe(500);
  expect(plain.body).not.toContain("secret");
  expect(JSON.parse(plain.body)).toEqual({
    error: { code: "internal", message: INTERNAL_MESSAGE, details: { reason: "internal" } },
  });
  const internal = envelopeOf(new AjcError("internal", "corrupt task: secret"));
  expect(internal.body).not.toContain("secret");
});

test("details carry field only when one is to blame", () => {
  const e = JSON.parse(envelopeOf(new AjcError("task_not_found", "task not found: x")).body);
  expect(e).toEqual({
    error: { code: "not_found", message: "task not found: x", details: { reason: "task_not_found" } },
  });
});
