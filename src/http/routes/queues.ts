/** Queue endpoints: create (with the DEFAULT guard), list, get, delete, purge. */
import type { QueueInfo } from "../../client.ts";
import { AjcError } from "../../core/errors.ts";
import { DEFAULT_QUEUE_NAME, resolveQueue } from "../../core/queue.ts";
import type { ApiDeps, Handler } from "../context.ts";
import { BOOLEAN, decodeBody, INTEGER, type Shape, STRING } from "../decode.ts";
import { sendEmpty, sendJson } from "../respond.ts";
import type { Router } from "../router.ts";

const CREATE_QUEUE = {
  name: { type: STRING, required: "queue_name_required" },
  max_age: { type: STRING },
  max_entries: { type: INTEGER },
  discard_old: { type: BOOLEAN },
  max_tries: { type: INTEGER },
  max_runtime: { type: STRING },
  max_concurrent: { type: INTEGER },
} satisfies Shape;

const queueJson = (q: QueueInfo) => JSON.stringify(q);

/** Registers the queue routes. */
export function queueRoutes(router: Router<Handler>, deps: ApiDeps): void {
  const { client } = deps;
  router
    .add("POST", "/v1/queues", async (ctx) => {
      const body = decodeBody(ctx.body, CREATE_QUEUE);
      const spec = resolveQueue(body);
      if (spec.name === DEFAULT_QUEUE_NAME && !deps.allowCreateDefault) {
        throw new AjcError(
          "default_queue_disallowed",
          `creating the ${DEFAULT_QUEUE_NAME} queue needs a server started with --allow-create-default`,
          { field: "name" },
        );
      }
      sendJson(ctx.res, 201, queueJson(await client.createQueue(spec)));
    })
    .add("GET", "/v1/queues", async (ctx) => {
      const queues = await client.listQueues();
      sendJson(ctx.res, 200, `{"queues":[${queues.map(queueJson).join(",")}]}`);
    })
    .add("GET", "/v1/queues/{name}", async (ctx) =>
      sendJson(ctx.res, 200, queueJson(await client.queueInfo(ctx.params.name!))),
    )
    .add("DELETE", "/v1/queues/{name}", async (ctx) => {
      await client.deleteQueue(ctx.params.name!);
      sendEmpty(ctx.res, 204);
    })
    .add("POST", "/v1/queues/{name}/purge", async (ctx) => {
      await client.purgeQueue(ctx.params.name!);
      sendEmpty(ctx.res, 202);
    });
}
