/** The one place that turns NATS and JetStream failures into library errors. */
import { JetStreamApiError } from "@nats-io/jetstream";
import { errors as natsErrors, RequestError } from "@nats-io/nats-core";
import { AjcError, type Reason } from "../core/errors.ts";

/*
 * The JetStream API error codes ajc acts on, by nats-server's names. Every code compared anywhere
 * in src is one of these; nothing else compares bare numbers.
 */
/** JSStreamNotFoundErr: "stream not found". */
export const JS_STREAM_NOT_FOUND = 10059;
/** JSConsumerNotFoundErr: "consumer not found". */
export const JS_CONSUMER_NOT_FOUND = 10014;
/** JSNotEnabledForAccountErr: "JetStream not enabled for account". */
export const JS_NOT_ENABLED_FOR_ACCOUNT = 10039;
/** Deleting a stream message that is not there (any more): "no message found"... */
export const JS_MESSAGE_DELETE_FAILED = 10057;
/** ...or "sequence N not found", depending on where in the stream it was. */
export const JS_SEQUENCE_NOT_FOUND = 10043;
/** JSStreamWrongLastSequenceErrF: "wrong last sequence: N" (an expected-revision write lost). */
export const JS_WRONG_LAST_SEQUENCE = 10071;
/**
 * JSStreamWrongLastSequenceConstantErr: the same failure, as newer servers word it for a KV
 * `create` or `update` whose expected revision is not the key's.
 */
export const JS_WRONG_LAST_SEQUENCE_CONSTANT = 10164;

/** True when an expected-revision write (KV create or update) found another revision there. */
export function isWrongLastSequence(err: unknown): boolean {
  const code = jsCode(err);
  return code === JS_WRONG_LAST_SEQUENCE || code === JS_WRONG_LAST_SEQUENCE_CONSTANT;
}
/** "replicas > 1 not supported in non-clustered mode". */
export const JS_REPLICAS_NOT_CLUSTERED = 10074;
/** "no suitable peers for placement": fewer servers (up, in the cluster) than replicas asked for. */
export const JS_NO_SUITABLE_PEERS = 10005;
/**
 * What a JetStream cluster answers while a stream or the meta layer has no leader (an election
 * under way, a node lost): "temporarily unavailable" (10008), "not assigned to this server"
 * (10007), "can not handle request" (10009), a stream or consumer offline (10118, 10119, 10194,
 * 10195) and "expected last sequence per subject temporarily unavailable" (10163). An outage that
 * passes, so a 503, never a 500.
 */
export const JS_CLUSTER_UNAVAILABLE = new Set([10007, 10008, 10009, 10118, 10119, 10163, 10194, 10195]);

/**
 * True for the client's "JetStream is not enabled" error. Its class is not exported, so it is
 * known by the name the client gives it (an error's `name`, part of what it shows).
 */
function isJetStreamNotEnabled(err: unknown): boolean {
  return err instanceof Error && err.name === "JetStreamNotEnabled";
}

/** The JetStream API error code of `err`, if it is one. */
export function jsCode(err: unknown): number | undefined {
  return err instanceof JetStreamApiError ? err.code : undefined;
}

/** True when nobody answered a request: for a JetStream publish, no stream holds the subject. */
export function isNoResponders(err: unknown): boolean {
  return (
    isJetStreamNotEnabled(err) ||
    (err instanceof RequestError && err.isNoResponders()) ||
    err instanceof natsErrors.NoRespondersError
  );
}

/** True when the failure means NATS could not be reached or did not answer in time. */
export function isUnavailable(err: unknown): boolean {
  return (
    err instanceof natsErrors.TimeoutError ||
    err instanceof natsErrors.ClosedConnectionError ||
    err instanceof natsErrors.ConnectionError ||
    err instanceof natsErrors.DrainingConnectionError ||
    isJetStreamNotEnabled(err) ||
    jsCode(err) === JS_NOT_ENABLED_FOR_ACCOUNT ||
    (err instanceof RequestError && err.isNoResponders())
  );
}

/**
 * Maps a NATS failure to an AjcError. `notFound` names the reason to use when a stream is missing
 * (a missing queue stream is `queue_not_found`; a missing task stream means storage is not ready).
 */
export function toAjcError(err: unknown, what: string, notFound: Reason = "storage_not_ready"): AjcError {
  if (err instanceof AjcError) return err;
  const code = jsCode(err);
  if (code === JS_STREAM_NOT_FOUND || code === JS_CONSUMER_NOT_FOUND) {
    return new AjcError(notFound, `${what}: not found`, { cause: err });
  }
  if (code === JS_WRONG_LAST_SEQUENCE) {
    return new AjcError("task_update_conflict", `${what}: changed by someone else, reload and try again`, {
      cause: err,
    });
  }
  if (code !== undefined && JS_CLUSTER_UNAVAILABLE.has(code)) {
    return new AjcError(
      "storage_not_ready",
      `${what}: NATS JetStream is not available (${(err as Error).message})`,
      {
        cause: err,
      },
    );
  }
  if (code === JS_REPLICAS_NOT_CLUSTERED || code === JS_NO_SUITABLE_PEERS) {
    // A replica count the servers cannot place is the caller's setting to change, not an outage.
    const why =
      code === JS_REPLICAS_NOT_CLUSTERED
        ? "more than 1 replica needs a JetStream cluster and this NATS server runs alone"
        : "the JetStream cluster has fewer servers up than the replicas asked for";
    return new AjcError(
      "invalid_argument",
      `${what}: ${why} (${(err as Error).message}); use fewer --replicas`,
      {
        field: "replicas",
        cause: err,
      },
    );
  }
  if (err instanceof natsErrors.TimeoutError) {
    // The request may have been carried out (a publish stored, a stream updated): unlike "not
    // available", the caller must not assume nothing happened.
    return new AjcError(
      "storage_timeout",
      `${what}: NATS did not answer in time, the outcome is unknown (a write may still take effect)`,
      { cause: err },
    );
  }
  if (isUnavailable(err)) {
    return new AjcError("storage_not_ready", `${what}: NATS JetStream is not available`, { cause: err });
  }
  return new AjcError("internal", `${what}: ${(err as Error)?.message ?? String(err)}`, { cause: err });
}
