/** The readiness check of the stores a client needs (what `/readyz` reports). */
import { AjcError, asAjcError } from "../core/errors.ts";
import type { Storage } from "../store/storage.ts";

/** A schedule name nobody uses: reading it is the configuration bucket's readiness check. */
const READINESS_PROBE_KEY = "ajc-readiness-probe";

/** Each entry is the error of a store that does not answer. */
export interface StorageCheck {
  tasks?: AjcError;
  config?: AjcError;
}

/**
 * Checks that the task store and the configuration bucket answer (fails fast while NATS is
 * down).
 */
export async function checkStorage(storage: Storage): Promise<StorageCheck> {
  const probe = async (fn: () => Promise<unknown>, missingOk?: "schedule_not_found") => {
    try {
      storage.assertConnected();
      await fn();
      return undefined;
    } catch (err) {
      if (missingOk && err instanceof AjcError && err.reason === missingOk) return undefined;
      return asAjcError(err);
    }
  };
  const [tasks, config] = await Promise.all([
    probe(() => storage.tasks.info()),
    // One direct get on the bucket: a missing key proves it answers, without listing keys.
    probe(() => storage.schedules.load(READINESS_PROBE_KEY), "schedule_not_found"),
  ]);
  const out: StorageCheck = {};
  if (tasks) out.tasks = tasks;
  if (config) out.config = config;
  return out;
}
