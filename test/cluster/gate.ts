/**
 * The cluster tests start three nats-server nodes and several ajc processes and kill nodes under
 * load: they take minutes, so they run only under `npm run test:cluster` (AJC_CLUSTER=1). A plain
 * `npm test` prints one line saying so and registers none of them.
 */
import { describe } from "bun:test";

let gate: boolean | undefined;

/** Whether the cluster tests run in this process; prints the skip line once otherwise. */
export function clusterGate(): boolean {
  if (gate !== undefined) return gate;
  gate = process.env.AJC_CLUSTER === "1";
  if (!gate)
    console.log("cluster tests skipped: they run three nats-server nodes, only under `npm run test:cluster`");
  return gate;
}

/** `describe` registered only when `clusterGate()` lets the cluster tests run. */
export function describeCluster(name: string, fn: () => void): void {
  if (clusterGate()) describe(name, fn);
}
