/** Which queue the server enqueues to when a request names none, checked at start-up. */
import type { Client } from "../client.ts";
import { AjcError, isReason } from "../core/errors.ts";
import { DEFAULT_QUEUE_NAME, implicitDefaultQueue } from "../core/queue.ts";

/** Refuses, before NATS is dialled, a server with neither `--queue` nor `--allow-create-default`. */
export function checkServerQueueFlags(queue: string | undefined, allowCreateDefault: boolean): void {
  if (queue || allowCreateDefault) return;
  throw new AjcError(
    "queue_name_required",
    `--queue is required: name an existing queue, or pass --allow-create-default to use the ${DEFAULT_QUEUE_NAME} queue`,
    { field: "queue" },
  );
}

/**
 * `queue` must exist. Without one, `allowCreateDefault` lets the server use `DEFAULT` (created when
 * missing); otherwise start-up fails, so a misconfigured deployment does not quietly fill a queue
 * nobody processes.
 */
export async function resolveServerQueue(
  client: Client,
  queue: string | undefined,
  allowCreateDefault: boolean,
): Promise<string> {
  if (queue) {
    try {
      await client.queueInfo(queue);
    } catch (err) {
      if (!isReason(err, "queue_not_found")) throw err;
      throw new AjcError(
        "queue_not_found",
        `queue ${queue} does not exist: create it first, for example with "ajc queue add ${queue}"`,
        { field: "queue", cause: err },
      );
    }
    return queue;
  }
  checkServerQueueFlags(queue, allowCreateDefault);
  // Created with the settings the Go server gives it, so either server may create it first.
  await client.ensureQueue(implicitDefaultQueue());
  return DEFAULT_QUEUE_NAME;
}
