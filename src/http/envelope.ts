/**
 * The error envelope every error response shares: `{"error":{"code","message","details":{"reason",
 * "field"}}}`. The HTTP status comes from one exhaustive table keyed by the closed code enum, so a
 * new code without a status fails the type check.
 */
import { AjcError, type ErrorCode, type Reason } from "../core/errors.ts";

/** The HTTP status of each envelope code. */
export const STATUS_BY_CODE: Readonly<Record<ErrorCode, number>> = {
  invalid_argument: 400,
  signature_required: 400,
  signature_invalid: 400,
  not_found: 404,
  conflict: 409,
  duplicate: 409,
  dependency_failed: 409,
  payload_too_large: 413,
  rate_limited: 429,
  internal: 500,
  unavailable: 503,
};

/**
 * Reasons whose status is not their code's. The code enum is closed (it is the reference
 * document's), so these keep their code while HTTP says what went wrong: a wrong method is 405, a
 * body that is not declared JSON 415, a request the browser guard refuses (a foreign `Origin`, a
 * `Host` that is not allowed) 403 (see src/http/browser.ts), all with `invalid_argument`; a request
 * cut off at the write deadline keeps `unavailable` but says 504, because unlike a 503 its work may
 * still be done.
 */
const STATUS_BY_REASON: Partial<Readonly<Record<Reason, number>>> = {
  method_not_allowed: 405,
  unsupported_media_type: 415,
  origin_forbidden: 403,
  host_forbidden: 403,
  storage_timeout: 504,
};

/** The message a client gets for an unexpected failure; the cause goes to the log only. */
export const INTERNAL_MESSAGE = "internal server error";

/** An error as it goes on the wire. */
export interface Envelope {
  status: number;
  body: string;
}

/** The status an AjcError is answered with. */
export function statusOf(err: AjcError): number {
  return STATUS_BY_REASON[err.reason] ?? STATUS_BY_CODE[err.code];
}

/**
 * Builds the envelope of an error. Anything that is not an AjcError, and every `internal` one,
 * is answered with a fixed message so nothing about its cause reaches the client.
 */
export function envelopeOf(err: unknown): Envelope {
  const e = err instanceof AjcError ? err : new AjcError("internal", INTERNAL_MESSAGE);
  const message = e.code === "internal" ? INTERNAL_MESSAGE : e.message;
  const details: { reason: Reason; field?: string } = { reason: e.reason };
  if (e.field !== undefined) details.field = e.field;
  return { status: statusOf(e), body: JSON.stringify({ error: { code: e.code, message, details } }) };
}

/** True when an error is one the log should explain (an unexpected failure, not a client mistake). */
export function isUnexpected(err: unknown): boolean {
  return !(err instanceof AjcError) || err.code === "internal";
}
