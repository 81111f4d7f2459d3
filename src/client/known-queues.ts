/** Queues seen to exist, so that enqueues which require one do not ask JetStream every time. */
import { AjcError } from "../core/errors.ts";
import type { QueueStore } from "../store/queues.ts";

/** How long a queue seen to exist is trusted without asking JetStream again. */
const QUEUE_EXISTS_CACHE_MS = 5_000;

export class KnownQueues {
  readonly #seen = new Map<string, number>();

  constructor(
    private readonly queues: Pick<QueueStore, "exists">,
    private readonly now: () => number,
  ) {}

  /** `queue` exists as of now (it was just created). */
  seen(queue: string): void {
    this.#seen.set(queue, this.now());
  }

  /** `queue` is gone (it was just deleted). */
  forget(queue: string): void {
    this.#seen.delete(queue);
  }

  /** `queue_not_found` unless the queue exists (or was seen to a moment ago). */
  async assertExists(queue: string): Promise<void> {
    const seen = this.#seen.get(queue);
    if (seen !== undefined && this.now() - seen < QUEUE_EXISTS_CACHE_MS) return;
    if (!(await this.queues.exists(queue))) {
      this.#seen.delete(queue);
      throw new AjcError("queue_not_found", `queue not found: ${queue}`, { field: "queue" });
    }
    this.seen(queue);
  }
}
