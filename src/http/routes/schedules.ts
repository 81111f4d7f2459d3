/**
 * Schedule endpoints: create, list, get, delete (the reference's), and our additions: replace
 * (`PUT`), pause, resume and trigger. A paused schedule's representation has `paused: true` and
 * `paused_at`; an active one's is exactly the reference's.
 */
import { parseCron } from "../../core/cron.ts";
import { parseGoDuration } from "../../core/duration.ts";
import { AjcError } from "../../core/errors.ts";
import { isValidName } from "../../core/names.ts";
import { encodeSchedule, MIN_SCHEDULE_DEADLINE_NS, type Schedule } from "../../core/schedule.ts";
import { DEFAULT_TASK_MAX_TRIES } from "../../core/task.ts";
import { formatTimeMs } from "../../core/time.ts";
import type { ApiDeps, Handler } from "../context.ts";
import { ANY, type Decoded, decodeBody, INTEGER, type Shape, STRING } from "../decode.ts";
import { sendEmpty, sendJson } from "../respond.ts";
import type { Router } from "../router.ts";
import { payloadOf } from "./payload.ts";
import { taskLocation } from "./tasks.ts";

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

/** `PUT /v1/schedules/{name}`: the create body without `name` (the path's; no renaming). */
const { name: _name, ...REPLACE_SCHEDULE } = CREATE_SCHEDULE;

/**
 * A schedule as the Go server answers it: the stored JSON without `payload` when there is none
 * (the reference schema has no null payload); a paused one also has `paused` and `paused_at`.
 */
export function scheduleJson(s: Schedule): string {
  const o = JSON.parse(encodeSchedule(s)) as Record<string, unknown>;
  if (o.payload === null) delete o.payload;
  if (s.paused) {
    o.paused = true;
    o.paused_at = s.paused_at ?? "";
  }
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

type ScheduleBody = Omit<Decoded<typeof CREATE_SCHEDULE>, "name">;

/** The schedule a create or replace body describes, checked as the create checks it. */
function scheduleOf(name: string, body: ScheduleBody, nowMs: number): Schedule {
  checkCreate(body);
  parseCron(body.schedule);
  const s: Schedule = {
    name,
    schedule: body.schedule,
    queue: body.queue,
    task_type: body.task_type,
    payload: payloadOf(body),
    // As the Go server: 0 or below is kept as given (the tasks it creates have no try limit).
    max_tries: body.max_tries ?? DEFAULT_TASK_MAX_TRIES,
    created_at: formatTimeMs(nowMs),
  };
  if (body.deadline_offset !== undefined) s.deadline = deadlineOffset(body.deadline_offset);
  return s;
}

/** Registers the schedule routes. */
export function scheduleRoutes(router: Router<Handler>, deps: ApiDeps): void {
  const { client } = deps;
  router
    .add("POST", "/v1/schedules", async (ctx) => {
      const body = decodeBody(ctx.body, CREATE_SCHEDULE);
      const s = scheduleOf(body.name, body, client.now());
      sendJson(ctx.res, 201, scheduleJson(await client.createSchedule(s)));
    })
    .add("PUT", "/v1/schedules/{name}", async (ctx) => {
      const name = scheduleName(ctx.params.name!);
      const body = decodeBody(ctx.body, REPLACE_SCHEDULE);
      const s = scheduleOf(name, body, client.now());
      sendJson(ctx.res, 200, scheduleJson(await client.replaceSchedule(s)));
    })
    .add("POST", "/v1/schedules/{name}/pause", async (ctx) =>
      sendJson(ctx.res, 200, scheduleJson(await client.pauseSchedule(scheduleName(ctx.params.name!)))),
    )
    .add("POST", "/v1/schedules/{name}/resume", async (ctx) =>
      sendJson(ctx.res, 200, scheduleJson(await client.resumeSchedule(scheduleName(ctx.params.name!)))),
    )
    .add("POST", "/v1/schedules/{name}/trigger", async (ctx) => {
      const task = await client.triggerSchedule(scheduleName(ctx.params.name!));
      sendJson(ctx.res, 201, client.taskJson(task), { location: taskLocation(task.id) });
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
