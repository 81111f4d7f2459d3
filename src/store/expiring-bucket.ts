/**
 * Small atomic key-value operations used for leader election and idempotency keys: create-if-absent,
 * revision-checked update, read. Keeps the KV client's types out of the callers.
 */
import type { KV } from "@nats-io/kv";
import { openBucket } from "./buckets.ts";
import { isWrongLastSequence, toAjcError } from "./errors.ts";
import type { Jet } from "./jet.ts";
import {
  ELECTIONS_BUCKET,
  ELECTIONS_DESCRIPTION,
  ELECTIONS_TTL_MS,
  IDEMPOTENCY_BUCKET,
  IDEMPOTENCY_DESCRIPTION,
  IDEMPOTENCY_TTL_MS,
} from "./subjects.ts";

/** Opens (creating when missing) a bucket whose keys expire after `ttlMs`, one value a key. */
function openExpiring(
  jet: Jet,
  name: string,
  description: string,
  ttlMs: number,
  replicas: number,
): Promise<KV> {
  return openBucket(jet, name, { description, replicas, ttl: ttlMs, history: 1 });
}

/** A bucket whose keys expire after the bucket's TTL. */
export class ExpiringBucket {
  private constructor(
    private readonly kv: KV,
    readonly ttlMs: number,
  ) {}

  /**
   * The elections bucket, `CHORIA_AJ_ELECTIONS`, created with a TTL of 10s (and `replicas`) when missing. Its TTL is
   * read from the bucket, as the Go library reads it: a bucket someone made with another TTL keeps
   * it, and the election's timings must follow the keys' real lifetime, not the default's.
   */
  static async elections(jet: Jet, replicas = 1): Promise<ExpiringBucket> {
    const kv = await openExpiring(jet, ELECTIONS_BUCKET, ELECTIONS_DESCRIPTION, ELECTIONS_TTL_MS, replicas);
    let ttlMs: number;
    try {
      ttlMs = (await kv.status()).ttl;
    } catch (err) {
      throw toAjcError(err, `bucket ${ELECTIONS_BUCKET}`);
    }
    return new ExpiringBucket(kv, ttlMs);
  }

  /** Our idempotency-key bucket, TTL 10 minutes; `replicas` applies when it is created. */
  static async idempotency(jet: Jet, replicas = 1): Promise<ExpiringBucket> {
    const kv = await openExpiring(
      jet,
      IDEMPOTENCY_BUCKET,
      IDEMPOTENCY_DESCRIPTION,
      IDEMPOTENCY_TTL_MS,
      replicas,
    );
    return new ExpiringBucket(kv, IDEMPOTENCY_TTL_MS);
  }

  /** Creates `key` if absent: its revision, or undefined when someone else holds it. */
  async create(key: string, value: string): Promise<number | undefined> {
    try {
      return await this.kv.create(key, value);
    } catch (err) {
      if (isWrongLastSequence(err)) return undefined;
      throw toAjcError(err, `creating ${key}`);
    }
  }

  /** Updates `key` if still at `revision`: the new revision, or undefined when it moved on. */
  async update(key: string, value: string, revision: number): Promise<number | undefined> {
    try {
      return await this.kv.update(key, value, revision);
    } catch (err) {
      if (isWrongLastSequence(err)) return undefined;
      throw toAjcError(err, `updating ${key}`);
    }
  }

  /** Overwrites `key`. */
  async put(key: string, value: string): Promise<number> {
    try {
      return await this.kv.put(key, value);
    } catch (err) {
      throw toAjcError(err, `storing ${key}`);
    }
  }

  /** The current value and revision of `key`, or undefined. */
  async get(key: string): Promise<{ value: string; revision: number } | undefined> {
    try {
      const e = await this.kv.get(key);
      if (e?.operation !== "PUT") return undefined;
      return { value: e.string(), revision: e.revision };
    } catch (err) {
      throw toAjcError(err, `reading ${key}`);
    }
  }

  /**
   * Removes `key` (used to step down cleanly). With `revision`, only while the key is still at that
   * revision: false when it moved on (someone else holds it now), so a stale holder never deletes
   * another's key.
   */
  async delete(key: string, revision?: number): Promise<boolean> {
    try {
      await this.kv.delete(key, revision === undefined ? undefined : { previousSeq: revision });
      return true;
    } catch (err) {
      if (revision !== undefined && isWrongLastSequence(err)) {
        return false;
      }
      throw toAjcError(err, `deleting ${key}`);
    }
  }

  /** Name, TTL and key count, for `ajc info`. */
  async status(): Promise<{ bucket: string; ttlMs: number; values: number; bytes: number }> {
    try {
      const s = await this.kv.status();
      return { bucket: s.bucket, ttlMs: s.ttl, values: s.values, bytes: s.size };
    } catch (err) {
      throw toAjcError(err, "bucket status");
    }
  }
}
