/**
 * Keys that expire after the bucket's TTL, with atomic create and revision-checked update: what the
 * HTTP API keeps its idempotency keys in (shared by every server on the same NATS).
 */
export interface ExpiringKeys {
  readonly ttlMs: number;
  /** Creates `key` if absent: its revision, or undefined when it exists. */
  create(key: string, value: string): Promise<number | undefined>;
  /** Updates `key` if still at `revision`: the new revision, or undefined when it moved on. */
  update(key: string, value: string, revision: number): Promise<number | undefined>;
  get(key: string): Promise<{ value: string; revision: number } | undefined>;
  delete(key: string): Promise<unknown>;
}
