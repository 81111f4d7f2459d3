/**
 * One work item pulled from a queue's `WORKERS` consumer, as our own type: the task it names, how
 * often JetStream has delivered it, and the acknowledgements the asyncjobs protocol uses.
 */
import type { Msg, NatsConnection } from "@nats-io/nats-core";
import { AjcError } from "../core/errors.ts";
import { toAjcError } from "./errors.ts";
import type { Outbox } from "./outbox.ts";

/** A work item as the worker sees it. Every acknowledgement after the first final one is ignored. */
export interface WorkItem {
  /** The task id from the item body `{"kind":0,"job":"<id>"}`. */
  readonly taskId: string;
  /** The item kind; 0 is a task. */
  readonly kind: number;
  /** How many times JetStream has delivered this item, this delivery included (1 the first time). */
  readonly deliveryCount: number;
  /** `+ACK`: done, the item leaves the queue. */
  ack(): void;
  /** `-NAK {"delay": <ns>}`: deliver again after `delayNs` (a plain `-NAK` for 0). */
  nak(delayNs: number): void;
  /** `+TERM`: never deliver again. */
  term(): void;
  /**
   * `+WPI`: still working, restart the ack-wait timer. Resolves once JetStream confirmed it, so a
   * caller only extends its own deadline when the server did.
   */
  inProgress(): Promise<void>;
}

/** How long a confirmed acknowledgement (`+WPI`) may take, as the Go library allows. */
const ACK_CONFIRM_TIMEOUT_MS = 2000;

/** The delivery count from a JetStream ack subject (`$JS.ACK.<stream>.<consumer>.<delivered>...`). */
export function deliveryCountOf(reply: string): number {
  const tokens = reply.split(".");
  // The v2 format adds domain and account hash after `$JS.ACK`.
  const idx = tokens.length >= 11 ? 6 : 4;
  const n = Number.parseInt(tokens[idx] ?? "", 10);
  return Number.isFinite(n) && n > 0 ? n : 1;
}

/** A decoded item body, or undefined when it is not a valid one (corrupt). */
export function parseItemBody(data: Uint8Array): { kind: number; job: string } | undefined {
  if (data.length === 0) return undefined;
  try {
    const v = JSON.parse(new TextDecoder().decode(data)) as { kind?: unknown; job?: unknown };
    if (typeof v !== "object" || v === null || typeof v.job !== "string" || v.job === "") return undefined;
    return { kind: typeof v.kind === "number" ? v.kind : 0, job: v.job };
  } catch {
    return undefined;
  }
}

/** A WorkItem backed by a JetStream message: acknowledgements go to its `$JS.ACK` reply subject. */
export class JetStreamWorkItem implements WorkItem {
  #final = false;
  readonly deliveryCount: number;
  readonly #reply: string;

  /** `outbox`: the connection's, for the acknowledgements (see outbox.ts). */
  constructor(
    private readonly nc: NatsConnection,
    private readonly outbox: Outbox,
    msg: Msg,
    readonly taskId: string,
    readonly kind: number,
  ) {
    this.#reply = msg.reply ?? "";
    this.deliveryCount = deliveryCountOf(this.#reply);
  }

  ack(): void {
    this.respond("+ACK");
  }

  nak(delayNs: number): void {
    // The exact text the Go library sends; JetStream parses the JSON either way.
    this.respond(delayNs > 0 ? `-NAK {"delay": ${Math.round(delayNs)}}` : "-NAK");
  }

  term(): void {
    this.respond("+TERM");
  }

  async inProgress(): Promise<void> {
    if (this.#final) throw new AjcError("internal", "work item already acknowledged");
    try {
      await this.nc.request(this.#reply, "+WPI", { timeout: ACK_CONFIRM_TIMEOUT_MS });
    } catch (err) {
      throw toAjcError(err, `extending work item of task ${this.taskId}`);
    }
  }

  private respond(body: string): void {
    if (this.#final || this.#reply === "") return;
    this.#final = true;
    // A closed connection loses the acknowledgement: JetStream redelivers after the ack wait, and
    // the processing rules make a redelivery of a finished task harmless.
    this.outbox.publish(this.#reply, body);
  }
}
