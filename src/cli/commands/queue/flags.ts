/** The queue settings flags shared by `ajc queue add` and `ajc queue configure`. */
import type { Argv } from "yargs";
import type { QueueInfo } from "../../../client.ts";
import { formatGoDuration } from "../../../core/duration.ts";
import type { QueueSpec } from "../../../core/queue.ts";

/** Queue settings as given on the command line; undefined means "not given". */
export interface QueueSettingsArgs {
  age?: string;
  entries?: number;
  tries?: number;
  "run-time"?: string;
  concurrent?: number;
  replicas?: number;
  "discard-old"?: boolean;
}

/**
 * Adds the queue settings flags. With `defaults` (for `add`) the library defaults are shown and
 * applied: unlimited age, entries and tries, run time 1h, 100 concurrent, 1 replica.
 */
export function queueSettingsFlags<T>(y: Argv<T>, defaults: boolean) {
  const d = <V>(v: V) => (defaults ? { default: v } : {});
  return y
    .option("age", {
      type: "string",
      describe: "maximum age of a work item, a Go duration (0s: unlimited)",
      ...d("0s"),
    })
    .option("entries", { type: "number", describe: "maximum work items kept (0: unlimited)", ...d(0) })
    .option("tries", {
      type: "number",
      describe: "maximum deliveries of a work item (-1 or 0: unlimited)",
      ...d(-1),
    })
    .option("run-time", {
      type: "string",
      describe: "maximum run time of a handler, a Go duration",
      ...d("1h"),
    })
    .option("concurrent", {
      type: "number",
      describe: "handlers running at once across all workers",
      ...d(100),
    })
    .option("replicas", {
      type: "number",
      describe: "stream replicas in a JetStream cluster (1..5)",
      ...d(1),
    })
    .option("discard-old", {
      type: "boolean",
      describe: "when full, discard the oldest items instead of refusing new ones",
      ...d(false),
    });
}

/** Tries as the library takes them: -1 and 0 both mean unlimited. */
function tries(n: number | undefined): number | undefined {
  return n === -1 ? 0 : n;
}

/** The spec for a new queue from the flags. */
export function specFromFlags(name: string, a: QueueSettingsArgs): QueueSpec {
  return {
    name,
    max_age: a.age,
    max_entries: a.entries,
    max_tries: tries(a.tries),
    max_runtime: a["run-time"],
    max_concurrent: a.concurrent,
    discard_old: a["discard-old"],
  };
}

/** The spec for reconfiguring `current`: flags given replace its settings, the rest are kept. */
export function specOver(current: QueueInfo, a: QueueSettingsArgs): QueueSpec {
  return {
    name: current.name,
    max_age: a.age ?? formatGoDuration(current.max_age),
    max_entries: a.entries ?? current.max_entries,
    max_tries: tries(a.tries) ?? Math.max(current.max_tries, 0),
    max_runtime: a["run-time"] ?? formatGoDuration(current.max_runtime),
    max_concurrent: a.concurrent ?? current.max_concurrent,
    discard_old: a["discard-old"] ?? current.discard_old,
  };
}
