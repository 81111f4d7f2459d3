/**
 * Core NATS request-reply for remote task handlers (`CHORIA_AJ.H.T.<type>`), returning our own
 * reply type so the worker never touches NATS messages.
 */
import { errors as natsErrors, headers as natsHeaders } from "@nats-io/nats-core";
import { AjcError } from "../core/errors.ts";
import { isNoResponders } from "./errors.ts";
import type { Storage } from "./storage.ts";

/** A remote handler's answer. */
export interface RemoteReply {
  /** Reply headers, keys lower-cased (NATS header names are case-insensitive), first value of each. */
  headers: Record<string, string>;
  body: Uint8Array;
}

/**
 * Sends `body` with `headers` to `subject` and waits up to `timeoutMs` for one reply. No responder
 * or no reply in time is an error naming the subject.
 */
export async function requestRemote(
  storage: Storage,
  subject: string,
  body: string | Uint8Array,
  headers: Record<string, string>,
  timeoutMs: number,
): Promise<RemoteReply> {
  const h = natsHeaders();
  for (const [k, v] of Object.entries(headers)) h.set(k, v);
  try {
    const m = await storage.nc.request(subject, body, { timeout: Math.max(1, timeoutMs), headers: h });
    const out: Record<string, string> = {};
    if (m.headers) for (const [k, values] of m.headers) out[k.toLowerCase()] = values[0] ?? "";
    return { headers: out, body: m.data };
  } catch (err) {
    if (isNoResponders(err)) {
      throw new AjcError("internal", `request-reply handler: no responders on ${subject}`, { cause: err });
    }
    const what = err instanceof natsErrors.TimeoutError ? `no reply within ${timeoutMs}ms` : String(err);
    throw new AjcError("internal", `request-reply handler on ${subject}: ${what}`, { cause: err });
  }
}
