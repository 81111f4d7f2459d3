/**
 * The one error hierarchy of ajc. Every failure the library can report has a stable machine
 * `reason` (the spec's list plus ours) and a `code` from the HTTP envelope's closed enum, so callers
 * branch on data, never on message text.
 *
 * The policy:
 * - Anything a user, a request, a stored value or the NATS server can cause is an `AjcError` with
 *   the reason below that names it; the HTTP layer maps `code` to a status, the CLI prints the
 *   message and exits 1. Callers test with `isReason(err, "...")`, never with message text.
 * - Input that breaks a rule is `invalid_argument` (or the more precise reason listed for it, such
 *   as `invalid_duration` or `queue_name_invalid`), with `field` naming the flag, option or request
 *   field to blame.
 * - A thing that is not there is its own `*_not_found`; a write that lost a race is
 *   `task_update_conflict` (or `*_already_exists` for a create).
 * - NATS failures become AjcErrors in one place, `src/store/errors.ts` (`toAjcError`):
 *   `storage_not_ready` when NATS or JetStream could not be reached, so nothing happened and the
 *   call may be retried; `storage_timeout` when a request got no answer in time, so the outcome is
 *   unknown (a write may still take effect); `internal` for anything unforeseen.
 * - A plain `RangeError`, `TypeError` or `Error` means a programmer error: ajc's own code or an
 *   embedding program used an API wrongly (a metric registered twice, election timings that
 *   cannot work, a component started twice). Those are never the answer to user input: the layer
 *   that takes user input checks it first and raises an AjcError.
 * - A task handler's thrown error means "retry later"; `TerminateTaskError` means "stop retrying".
 */

/** The closed enum of envelope codes. */
export const ERROR_CODES = [
  "invalid_argument",
  "not_found",
  "conflict",
  "duplicate",
  "rate_limited",
  "payload_too_large",
  "unavailable",
  "signature_required",
  "signature_invalid",
  "dependency_failed",
  "internal",
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/** Every reason, with the envelope code it belongs to. */
export const REASON_CODES = {
  task_not_found: "not_found",
  task_type_invalid: "invalid_argument",
  task_id_invalid: "invalid_argument",
  task_cannot_enqueue: "conflict",
  task_past_deadline: "conflict",
  task_already_active: "conflict",
  task_already_in_state: "conflict",
  task_already_signed: "conflict",
  task_already_exists: "conflict",
  run_at_after_deadline: "invalid_argument",
  delayed_tasks_unavailable: "invalid_argument",
  task_update_conflict: "conflict",
  task_not_signed: "signature_required",
  task_signature_invalid: "signature_invalid",
  storage_not_ready: "unavailable",
  storage_timeout: "unavailable",
  queue_not_found: "not_found",
  queue_name_required: "invalid_argument",
  queue_name_invalid: "invalid_argument",
  queue_already_exists: "duplicate",
  queue_invalid: "invalid_argument",
  default_queue_disallowed: "invalid_argument",
  schedule_not_found: "not_found",
  schedule_already_exists: "duplicate",
  schedule_invalid: "invalid_argument",
  duplicate_item: "duplicate",
  unknown_retry_policy: "invalid_argument",
  invalid_duration: "invalid_argument",
  invalid_argument: "invalid_argument",
  invalid_json: "invalid_argument",
  invalid_payload: "invalid_argument",
  payload_both_set: "invalid_argument",
  dependency_failed: "dependency_failed",
  idempotency_key_reused: "conflict",
  idempotency_key_invalid: "invalid_argument",
  ids_required: "invalid_argument",
  ids_too_many: "invalid_argument",
  limit_invalid: "invalid_argument",
  list_in_progress: "rate_limited",
  too_many_streams: "rate_limited",
  payload_too_large: "payload_too_large",
  not_found: "not_found",
  method_not_allowed: "invalid_argument",
  unsupported_media_type: "invalid_argument",
  origin_forbidden: "invalid_argument",
  host_forbidden: "invalid_argument",
  signature_key_invalid: "invalid_argument",
  internal: "internal",
} as const satisfies Record<string, ErrorCode>;
export type Reason = keyof typeof REASON_CODES;

export interface AjcErrorOptions {
  /** The request or option field to blame, when one is. */
  field?: string;
  cause?: unknown;
}

/** A library error: stable `reason`, envelope `code`, optional `field`, original `cause`. */
export class AjcError extends Error {
  readonly reason: Reason;
  readonly code: ErrorCode;
  readonly field?: string;

  constructor(reason: Reason, message: string, opts: AjcErrorOptions = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = "AjcError";
    this.reason = reason;
    this.code = REASON_CODES[reason];
    if (opts.field !== undefined) this.field = opts.field;
  }
}

/** `err` itself when it is an AjcError; anything else as an `internal` one whose cause it is. */
export function asAjcError(err: unknown): AjcError {
  return err instanceof AjcError ? err : new AjcError("internal", String(err), { cause: err });
}

/** True when `err` is an AjcError with the given reason. */
export function isReason(err: unknown, reason: Reason): boolean {
  return err instanceof AjcError && err.reason === reason;
}

/**
 * Thrown by a handler to stop retrying: the task ends `terminated`. Any other error thrown by a
 * handler means "retry later".
 */
export class TerminateTaskError extends Error {
  constructor(message = "task terminated by handler", opts?: ErrorOptions) {
    super(message, opts);
    this.name = "TerminateTaskError";
  }
}
