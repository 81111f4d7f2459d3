/** Meta endpoints: liveness, readiness, the OpenAPI document, server info, retry policies. */
import type { AjcError } from "../../core/errors.ts";
import { listRetryPolicies } from "../../core/retry.ts";
import { formatTimeMs } from "../../core/time.ts";
import { VERSION } from "../../version.ts";
import type { ApiDeps, Handler } from "../context.ts";
import { OPENAPI_JSON } from "../openapi.ts";
import { sendJson } from "../respond.ts";
import type { Router } from "../router.ts";

/** The version `/v1/info` reports: `v` + the package version. */
export const API_VERSION = `v${VERSION}`;

const RETRY_POLICIES_JSON = JSON.stringify({ policies: listRetryPolicies() });

/**
 * A readiness check. A failure says which store, in the Go server's words, and nothing of the
 * cause (that is logged where the connection fails).
 */
function check(err: AjcError | undefined, what: string): { ok: boolean; error?: string } {
  return err ? { ok: false, error: `${what} storage unreachable` } : { ok: true };
}

/** Registers the meta routes. */
export function metaRoutes(router: Router<Handler>, deps: ApiDeps): void {
  const { client } = deps;
  router
    .add("GET", "/healthz", (ctx) =>
      sendJson(ctx.res, 200, JSON.stringify({ status: "ok", time: formatTimeMs(client.now()) })),
    )
    .add("GET", "/readyz", async (ctx) => {
      const failed = await client.checkStorage();
      const ready = !failed.tasks && !failed.config;
      const body = {
        ready,
        checks: { tasks: check(failed.tasks, "tasks"), config: check(failed.config, "configuration") },
      };
      sendJson(ctx.res, ready ? 200 : 503, JSON.stringify(body));
    })
    .add("GET", "/v1/openapi.json", (ctx) => sendJson(ctx.res, 200, OPENAPI_JSON))
    .add("GET", "/v1/info", async (ctx) => {
      const info: {
        version: string;
        auth: string;
        queue_count?: number;
        task_count?: number;
        scheduler_leader?: string;
        delayed_tasks?: boolean;
      } = { version: API_VERSION, auth: deps.auth };
      const [queues, tasks, leader] = await Promise.allSettled([
        client.countQueues(),
        client.countTasks(),
        client.schedulerLeader(),
      ]);
      if (queues.status === "fulfilled") info.queue_count = queues.value;
      if (tasks.status === "fulfilled") info.task_count = tasks.value;
      if (leader.status === "fulfilled" && leader.value !== undefined) info.scheduler_leader = leader.value;
      // Known once the server was reached (its version decides), so left out with the counts.
      if (queues.status === "fulfilled") info.delayed_tasks = client.delayedTasks().available;
      sendJson(ctx.res, 200, JSON.stringify(info));
    })
    .add("GET", "/v1/retry-policies", (ctx) => sendJson(ctx.res, 200, RETRY_POLICIES_JSON));
}
