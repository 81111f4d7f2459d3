/**
 * `Idempotency-Key` for task creation, kept in a JetStream KV bucket with a 10-minute TTL so it
 * survives restarts and is shared by every server on the same NATS.
 *
 * The first request with a key claims it (atomic KV create) with the body's fingerprint and the id
 * its task will have. A later request with the key and the same fingerprint answers with that task
 * (a replay). If the task is not there yet, the first request is still under way (or died): the
 * later one stores the very same task itself, under the claimed id, and the task store's
 * expect-new-subject check lets exactly one of them succeed. So concurrent requests create one
 * task, and a crashed first request does not block the key for ten minutes.
 */
import { createHash } from "node:crypto";
import type { Client } from "../client.ts";
import { AjcError, isReason } from "../core/errors.ts";
import type { Task } from "../core/task.ts";

/** Longest accepted key. */
export const IDEMPOTENCY_KEY_MAX_LENGTH = 128;
/** The request header. */
export const IDEMPOTENCY_HEADER = "idempotency-key";

/** What a key's entry holds: the body fingerprint, the task id, and whether the task was stored. */
interface Claim {
  fp: string;
  id: string;
  done?: boolean;
}

/** The outcome of an idempotent create. */
export interface IdempotentResult {
  task: Task;
  /** True when the task was created by an earlier request with the same key. */
  replayed: boolean;
}

/** Validates the header value: 1 to 128 characters. */
export function checkIdempotencyKey(value: string): string {
  if (value.length === 0 || value.length > IDEMPOTENCY_KEY_MAX_LENGTH) {
    throw new AjcError(
      "idempotency_key_invalid",
      `Idempotency-Key must be 1 to ${IDEMPOTENCY_KEY_MAX_LENGTH} characters`,
      { field: "Idempotency-Key" },
    );
  }
  return value;
}

/** JSON text with object keys sorted, so equal bodies fingerprint alike however they are spelled. */
function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(",")}]`;
  if (v !== null && typeof v === "object") {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`)
      .join(",")}}`;
  }
  return JSON.stringify(v);
}

/** The fingerprint of a decoded request body. */
export function fingerprint(body: unknown): string {
  return createHash("sha256").update(canonicalJson(body)).digest("base64url");
}

const sha256Hex = (s: string) => createHash("sha256").update(s).digest("hex");

function parseClaim(value: string): Claim | undefined {
  try {
    const c = JSON.parse(value) as Claim;
    return typeof c.fp === "string" && typeof c.id === "string" ? c : undefined;
  } catch {
    return undefined;
  }
}

/** Same task as far as the caller can tell (what a create request sets). */
function sameTask(a: Task, b: Task): boolean {
  return (
    a.type === b.type &&
    a.queue === b.queue &&
    a.payload === b.payload &&
    a.max_tries === b.max_tries &&
    (a.deadline ?? "") === (b.deadline ?? "") &&
    (a.dependencies ?? []).join(",") === (b.dependencies ?? []).join(",") &&
    Boolean(a.load_dependencies) === Boolean(b.load_dependencies)
  );
}

/** Creates tasks at most once per idempotency key. */
export class Idempotency {
  constructor(private readonly client: Client) {}

  /**
   * Runs `create(task)` unless an earlier request with `key` (and body fingerprint `fp`) created
   * the task already. `callerChoseId` says the request fixed the id itself.
   */
  async create(
    key: string,
    fp: string,
    task: Task,
    callerChoseId: boolean,
    create: (t: Task) => Promise<Task>,
  ): Promise<IdempotentResult> {
    const keys = await this.client.idempotencyKeys();
    const kvKey = sha256Hex(key);
    // A claim can expire or be released between our create and get; then claim again.
    for (let attempt = 0; attempt < 3; attempt++) {
      const claim: Claim = { fp, id: task.id };
      const revision = await keys.create(kvKey, JSON.stringify(claim));
      if (revision !== undefined) {
        try {
          const result = await this.#store(task, create, callerChoseId);
          await keys.update(kvKey, JSON.stringify({ ...claim, done: true }), revision).catch(() => {});
          return result;
        } catch (err) {
          // Refused: nothing was created under this key, so release it for the caller's next try.
          // Unavailable: the task may be stored (without its work item, or the write's outcome
          // unknown), so the claim stays and the retry finishes that task instead of making a
          // second one (#follow; found by the cluster fault tests).
          if (!(err instanceof AjcError && err.code === "unavailable"))
            await keys.delete(kvKey).catch(() => {});
          throw err;
        }
      }
      const held = await keys.get(kvKey);
      if (!held) continue;
      const earlier = parseClaim(held.value);
      if (!earlier) throw new AjcError("internal", `unreadable idempotency entry ${kvKey}`);
      if (earlier.fp !== fp) {
        throw new AjcError(
          "idempotency_key_reused",
          "this Idempotency-Key was used with a different request body",
          { field: "Idempotency-Key" },
        );
      }
      const result = await this.#follow(earlier, task, create);
      if (!result.replayed || !earlier.done) {
        await keys.update(kvKey, JSON.stringify({ ...earlier, done: true }), held.revision).catch(() => {});
      }
      return result;
    }
    throw new AjcError("storage_not_ready", "could not claim the Idempotency-Key, try again");
  }

  /** Stores the task as the key's owner; a twin request may have stored it first. */
  async #store(
    task: Task,
    create: (t: Task) => Promise<Task>,
    callerChoseId: boolean,
  ): Promise<IdempotentResult> {
    try {
      return { task: await create(task), replayed: false };
    } catch (err) {
      if (!isReason(err, "task_already_exists")) throw err;
      const existing = await this.client.loadTask(task.id);
      // A generated id is known only to requests with this key; a caller's id may be anyone's.
      if (callerChoseId && !sameTask(existing, task)) throw err;
      return { task: existing, replayed: true };
    }
  }

  /**
   * Answers a repeated request from the task the key's first request created. While the claim is
   * not marked done, that request may have died (or lost NATS) after storing the task but before
   * its work item: the enqueue is finished here before the task is acknowledged, so a 200 never
   * stands for a task no worker will see.
   */
  async #follow(claim: Claim, task: Task, create: (t: Task) => Promise<Task>): Promise<IdempotentResult> {
    try {
      const stored = await this.client.loadTask(claim.id);
      return { task: claim.done ? stored : await this.client.resumeEnqueue(stored), replayed: true };
    } catch (err) {
      if (!isReason(err, "task_not_found")) throw err;
    }
    if (claim.done) {
      throw new AjcError(
        "task_not_found",
        `task ${claim.id}, created with this Idempotency-Key, was deleted`,
      );
    }
    task.id = claim.id;
    try {
      return { task: await create(task), replayed: false };
    } catch (err) {
      if (!isReason(err, "task_already_exists")) throw err;
      return { task: await this.client.loadTask(claim.id), replayed: true };
    }
  }
}
