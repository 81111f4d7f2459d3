/** Schedule endpoints: create, list, get, delete. */
import { parseCron } from "../../core/cron.ts";
import { parseGoDuration } from "../../core/duration.ts";
import { AjcError } from "../../core/errors.ts";
import { isValidName } from "../../core/names.ts";
import { encodeSchedule, MIN_SCHEDULE_DEADLINE_NS, type Schedule } from "../../core/schedule.ts";
import { DEFAULT_TASK_MAX_TRIES } from "../../core/task.ts";
import { formatTimeMs } from "../../core/time.ts";
import type { ApiDeps, Handler } from "../context.ts";
import { ANY, decodeBody, INTEGER, type Shape, STRING } from "../decode.ts";
import { sendEmpty, sendJson } from "../respond.ts";
import type { Router } from "../router.ts";
import { payloadOf } from "./payload.ts";

const CREATE_SCHEDULE = {
  name: { type: STRING, required: "schedule_invalid" },
  schedule: { type: STRING, required: "schedule_invalid" },
  // The reasons the Go server gives for these two.
  queue: { type: STRING, required: "queue_name_required" },
  task_type: { type: STRING, required: "task_type_invalid" },
  payload: { type: ANY },
  payload_base64: { type: STRING },
  deadline_offset: { type: STRING },
  max_tries: { type: INTEGER },
} satisfies Shape;

/**
 * A schedule as the Go server answers it: the stored JSON without `payload` when there is none
 * (the reference schema has no null payload).
 */
export function scheduleJson(s: Schedule): string {
  const o = JSON.parse(encodeSchedule(s)) as Record<string, unknown>;
  if (o.payload === null) delete o.payload;
  return JSON.stringify(o);
}

/**
 * A `deadline_offset` as the Go server takes it: rounded to whole seconds (half away from zero),
 * and at least 30s once rounded, so "0s" is too short rather than "no deadline".
 */
function deadlineOffset(text: string): number {
  const ns = parseGoDuration(text, "deadline_offset");
  const rounded = Math.sign(ns) * Math.round(Math.abs(ns) / 1e9) * 1e9;
  if (rounded < MIN_SCHEDULE_DEADLINE_NS) {
    throw new AjcError("schedule_invalid", "deadline too short: at least 30s", { field: "deadline_offset" });
  }
  return rounded;
}

function checkCreate(body: { queue: string; task_type: string }): void {
  if (!body.queue) throw new AjcError("queue_name_required", "queue is required", { field: "queue" });
  if (!isValidName(body.task_type)) {
    throw new AjcError("task_type_invalid", "task_type must match ^[a-zA-Z0-9_:-]+$", { field: "task_type" });
  }
}

function scheduleName(name: string): string {
  if (!isValidName(name)) throw new AjcError("schedule_invalid", "invalid schedule name", { field: "name" });
  return name;
}

/** Registers the schedule routes. */
export function scheduleRoutes(router: Router<Handler>, deps: ApiDeps): void {
  const { client } = deps;
  router
    .add("POST", "/v1/schedules", async (ctx) => {
      const body = decodeBody(ctx.body, CREATE_SCHEDULE);
      checkCreate(body);
      parseCron(body.schedule);
      const s: Schedule = {
        name: body.name,
        schedule: body.schedule,
        queue: body.queue,
        task_type: body.task_type,
        payload: payloadOf(body),
        // As the Go server: 0 or below is kept as given (the tasks it creates have no try limit).
        max_tries: body.max_tries ?? DEFAULT_TASK_MAX_TRIES,
        created_at: formatTimeMs(client.now()),
      };
      if (body.deadline_offset !== undefined) s.deadline = deadlineOffset(body.deadline_offset);
      sendJson(ctx.res, 201, scheduleJson(await client.createSchedule(s)));
    })
    .add("GET", "/v1/schedules", async (ctx) => {
      const list = await client.listSchedules();
      sendJson(ctx.res, 200, `{"schedules":[${list.map(scheduleJson).join(",")}]}`);
    })
    .add("GET", "/v1/schedules/{name}", async (ctx) =>
      sendJson(ctx.res, 200, scheduleJson(await client.loadSchedule(scheduleName(ctx.params.name!)))),
    )
    .add("DELETE", "/v1/schedules/{name}", async (ctx) => {
      await client.deleteSchedule(scheduleName(ctx.params.name!));
      sendEmpty(ctx.res, 204);
    });
}
