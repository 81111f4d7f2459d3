/**
 * Reads a work queue through its durable pull consumer `WORKERS`, pulling only as many items as
 * the caller has free slots for.
 *
 * Pull requests go straight to `$JS.API.CONSUMER.MSG.NEXT.<stream>.WORKERS` from one long-lived
 * inbox subscription rather than through the client library's fetch/consume helpers: those
 * re-pull a full batch after a reconnect and buffer ahead, so they cannot promise "never more
 * items than free slots". Here every requested-but-undelivered item is counted (`outstanding`),
 * and the server's own accounting (the `Nats-Pending-Messages` header of an expired request)
 * gives back what a request did not deliver.
 */
import type { Msg, QueuedIterator, Status, Subscription } from "@nats-io/nats-core";
import { AjcError } from "../core/errors.ts";
import { inboxFor } from "./inbox.ts";
import type { Jet } from "./jet.ts";
import { queueStream, WORKERS_CONSUMER } from "./subjects.ts";
import { JetStreamWorkItem, parseItemBody, type WorkItem } from "./workitem.ts";

export type { WorkItem } from "./workitem.ts";

/** How a reader pulls and whom it tells. */
export interface WorkQueueReaderOptions {
  queue: string;
  /**
   * How many more items the caller can take right now: free slots minus items it already holds.
   * Asked before every pull.
   */
  capacity: () => number;
  /** Receives every valid item. */
  onItem: (item: WorkItem) => void;
  /** Told when an item was corrupt (it has been terminated). */
  onCorrupt?: () => void;
  /** Told when a pull request is sent. */
  onPoll?: () => void;
  /** Told when pulling failed; the reader backs off and keeps trying. */
  onPollError?: (err: Error) => void;
  /** Below this many free slots no extra request is sent while one is still open. Default 1. */
  minBatch?: number;
  /** How long a pull request waits on the server. Default 30s. */
  expiresMs?: number;
  /** Server heartbeat interval of an open pull request. Default 5s. */
  heartbeatMs?: number;
}

/** How long a pull request waits on the server by default. */
export const DEFAULT_PULL_EXPIRES_MS = 30_000;
/** Default server heartbeat interval of an open pull request. */
export const DEFAULT_PULL_HEARTBEAT_MS = 5_000;
/** Longest pause between attempts while pulling keeps failing (as the Go library's linear 10s). */
const MAX_ERROR_BACKOFF_MS = 10_000;

/** A running reader of one queue; `stop()` ends it. */
export class WorkQueueReader {
  readonly #inbox: string;
  readonly #nextSubject: string;
  readonly #expiresMs: number;
  readonly #heartbeatMs: number;
  readonly #minBatch: number;
  #sub?: Subscription;
  #statuses?: AsyncIterable<Status>;
  #watchdog?: ReturnType<typeof setInterval>;
  #resume?: ReturnType<typeof setTimeout>;
  /** Items asked for and not yet delivered (or given back by the server). */
  #outstanding = 0;
  #lastActivity = 0;
  #connected = true;
  #stopped = false;
  #wakeScheduled = false;
  #errors = 0;
  #pausedUntil = 0;

  constructor(
    private readonly jet: Jet,
    private readonly opts: WorkQueueReaderOptions,
  ) {
    this.#inbox = inboxFor(jet.nc);
    this.#nextSubject = `${jet.js.apiPrefix}.CONSUMER.MSG.NEXT.${queueStream(opts.queue)}.${WORKERS_CONSUMER}`;
    this.#expiresMs = opts.expiresMs ?? DEFAULT_PULL_EXPIRES_MS;
    this.#heartbeatMs = opts.heartbeatMs ?? DEFAULT_PULL_HEARTBEAT_MS;
    this.#minBatch = Math.max(1, opts.minBatch ?? 1);
  }

  /** Items requested from the server and not delivered yet. */
  get outstanding(): number {
    return this.#outstanding;
  }

  /** Subscribes and sends the first pull request. */
  start(): void {
    if (this.#sub) throw new AjcError("internal", "work queue reader already started");
    this.#sub = this.jet.nc.subscribe(this.#inbox, {
      callback: (err, msg) => (err ? this.#failed(err) : this.#receive(msg)),
    });
    this.#watchdog = setInterval(() => this.#checkHeartbeat(), this.#heartbeatMs);
    void this.#watchConnection();
    this.wake();
  }

  /**
   * Pulls for the free slots the caller now has. Cheap to call after every finished item: calls
   * within one turn of the event loop are coalesced into one pull request.
   */
  wake(): void {
    if (this.#wakeScheduled || this.#stopped) return;
    this.#wakeScheduled = true;
    setImmediate(() => {
      this.#wakeScheduled = false;
      this.#pull();
    });
  }

  /** Stops pulling; items already delivered stay with the caller. */
  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    clearInterval(this.#watchdog);
    clearTimeout(this.#resume);
    try {
      this.#sub?.unsubscribe();
    } catch {
      // connection already closed
    }
    (this.#statuses as Partial<QueuedIterator<Status>> | undefined)?.stop?.();
  }

  #pull(): void {
    if (this.#stopped || !this.#connected || Date.now() < this.#pausedUntil) return;
    const want = this.opts.capacity() - this.#outstanding;
    if (want <= 0) return;
    // An open request will hand out more items as they come; a tiny extra request is not worth it.
    if (this.#outstanding > 0 && want < this.#minBatch) return;
    const request = JSON.stringify({
      batch: want,
      expires: this.#expiresMs * 1_000_000,
      idle_heartbeat: this.#heartbeatMs * 1_000_000,
    });
    // Through the outbox, so that it follows the acknowledgements made in this turn (which free
    // the slots it asks for) instead of overtaking them.
    this.jet.outbox.publish(this.#nextSubject, request, { reply: this.#inbox }, (err) => {
      this.#outstanding = Math.max(0, this.#outstanding - want);
      this.#failed(err);
    });
    this.#outstanding += want;
    this.#lastActivity = Date.now();
    this.opts.onPoll?.();
  }

  #receive(msg: Msg): void {
    this.#lastActivity = Date.now();
    if (!msg.reply) {
      this.#status(msg);
      return;
    }
    this.#outstanding = Math.max(0, this.#outstanding - 1);
    this.#errors = 0;
    const body = parseItemBody(msg.data);
    const item = new JetStreamWorkItem(this.jet.nc, this.jet.outbox, msg, body?.job ?? "", body?.kind ?? 0);
    if (!body) {
      item.term();
      this.opts.onCorrupt?.();
      this.wake();
      return;
    }
    this.opts.onItem(item);
  }

  /** A status message on the inbox: a heartbeat, or the end of one pull request. */
  #status(msg: Msg): void {
    const code = msg.headers?.code ?? 0;
    if (code === 100) return;
    const left = Number.parseInt(msg.headers?.get("Nats-Pending-Messages") ?? "", 10);
    if (Number.isFinite(left)) {
      this.#outstanding = Math.max(0, this.#outstanding - left);
    } else {
      // Which request ended is unknown: forget them all; a stale one that still delivers only
      // hands the caller an item early, which it holds until a slot frees.
      this.#outstanding = 0;
    }
    if (code !== 408 && code !== 404) {
      this.#failed(
        new AjcError(
          "internal",
          `pulling from queue ${this.opts.queue}: ${code} ${msg.headers?.description ?? ""}`.trim(),
        ),
      );
      return;
    }
    this.wake();
  }

  #checkHeartbeat(): void {
    if (!this.#connected || this.#outstanding === 0) return;
    if (Date.now() - this.#lastActivity < 2 * this.#heartbeatMs + 1000) return;
    // Two heartbeats missed: the server lost our requests (restart, consumer recreated).
    this.#outstanding = 0;
    this.#failed(
      new AjcError("storage_not_ready", `pulling from queue ${this.opts.queue}: heartbeats missed`),
    );
  }

  async #watchConnection(): Promise<void> {
    this.#statuses = this.jet.nc.status();
    for await (const s of this.#statuses) {
      if (this.#stopped) return;
      if (s.type === "disconnect") {
        this.#connected = false;
      } else if (s.type === "reconnect") {
        // Open requests died with the old connection.
        this.#connected = true;
        this.#outstanding = 0;
        this.#pausedUntil = 0;
        this.wake();
      }
    }
  }

  #failed(err: unknown): void {
    if (this.#stopped) return;
    this.#errors++;
    this.opts.onPollError?.(err instanceof Error ? err : new Error(String(err)));
    const pause = Math.min(MAX_ERROR_BACKOFF_MS, 500 * this.#errors);
    this.#pausedUntil = Date.now() + pause;
    clearTimeout(this.#resume);
    this.#resume = setTimeout(() => this.wake(), pause);
  }
}
