/** Opening the key-value buckets of the layout (created with our settings when missing). */
import { type KV, Kvm, type KvOptions } from "@nats-io/kv";
import { toAjcError } from "./errors.ts";
import type { Jet } from "./jet.ts";

/** Opens a bucket, creating it with `opts` when it does not exist (an existing one is not changed). */
export async function openBucket(jet: Jet, name: string, opts: Partial<KvOptions>): Promise<KV> {
  try {
    return await new Kvm(jet.js).create(name, opts);
  } catch (err) {
    throw toAjcError(err, `bucket ${name}`);
  }
}
