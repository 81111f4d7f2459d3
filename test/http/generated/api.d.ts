/**
 * Generated from api/openapi.yaml by openapi-typescript. Do not edit: run
 * `bun test/http/generated/generate.ts` after changing the document.
 */

export interface paths {
  "/healthz": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Liveness probe.
     * @description Answers as long as the process runs. Never touches storage.
     */
    get: operations["getHealthz"];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/readyz": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Readiness probe with dependency checks.
     * @description Checks that the task stream and the configuration bucket can be read. The body
     *     has the same shape whether the answer is 200 or 503, so a probe can tell which
     *     check failed.
     */
    get: operations["getReadyz"];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/openapi.json": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * This document, as JSON.
     * @description ajc addition. The OpenAPI 3.0.3 document embedded in the server, converted to
     *     JSON once at start-up. Point a client generator that supports 3.0 at it.
     */
    get: operations["getOpenAPI"];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/info": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Server and storage snapshot.
     * @description `queue_count` and `task_count` are left out when storage cannot be read at the
     *     moment; the rest is always there.
     */
    get: operations["getInfo"];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/retry-policies": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * List named retry policies.
     * @description The built-in retry policies, sorted by name. Never touches storage.
     */
    get: operations["listRetryPolicies"];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/tasks": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * List tasks (snapshot).
     * @description A snapshot read through a short-lived JetStream consumer, oldest task first.
     *     Filters are applied after the tasks are read, and `limit` caps how many are
     *     read, so fewer than `limit` may match.
     *
     *     Paging (ajc addition): a JSON page whose read stopped at `limit` with more
     *     stored after it carries `next`, a cursor (the task-store sequence of the last
     *     task read); `after=<next>` with the same filters reads on from there, oldest
     *     first. Tasks are ordered by when they were last stored, so paging sees every
     *     task once, without gaps or repeats, while new tasks arrive (they come after);
     *     a task changed while you page moves behind the cursor and shows up again,
     *     in its new state, on a later page. A page may hold fewer matches than
     *     `limit`, even none, and still have `next`.
     *
     *     Only one listing runs at a time per server; a concurrent call gets `429`
     *     (`rate_limited`, reason `list_in_progress`) with `Retry-After`.
     *
     *     With `stream=ndjson` the answer is `application/x-ndjson`: one `Task` per line,
     *     written as it is read, with memory bounded however many tasks are read. A stream
     *     is not capped at 1000 tasks: `limit` may be up to 10,000,000 (ajc addition; the
     *     default is still 200), so `?stream=ndjson&limit=10000000` streams the whole store.
     *     Such a stream ends after about 60 seconds at most; reconnect to keep reading.
     *
     *     Errors: `400` with reason `limit_invalid` (a `limit` below 1 or not a number;
     *     values above the maximum are quietly lowered to it: 1000, or 10,000,000 with
     *     `stream=ndjson`) or `invalid_argument` (an
     *     unknown `state`, a `created_since` that is not RFC 3339, a `stream` other than
     *     `ndjson`, a `waiting` other than `true` or `false`), with `details.field` naming
     *     the parameter.
     */
    get: operations["listTasks"];
    put?: never;
    /**
     * Create and enqueue a task.
     * @description Stores a new task and puts it on a work queue: the request's `queue` when given
     *     (it must exist), otherwise the queue the server was started with.
     *
     *     Give at most one of `payload` and `payload_base64`.
     *
     *     Signing (ajc addition): when the server verifies signatures (`--verify`) the
     *     request must carry a `signature` computed by the caller over the library's
     *     signing message, which covers the task id and creation time, so a signing
     *     caller also sends `id` and `created`. An unsigned or wrongly signed request is
     *     refused and nothing is stored. The server never signs for you.
     *
     *     Idempotency (ajc addition to the reference's best effort): a request with an
     *     `Idempotency-Key` is remembered for 10 minutes in NATS, across restarts and by
     *     every server on the same NATS. Repeating it returns `200` with the task it
     *     created and the same `Location`; the same key with a different body is `409`
     *     (reason `idempotency_key_reused`). Two concurrent requests with one key create
     *     one task.
     *
     *     Errors by status:
     *     Delayed tasks (ajc addition): with `run_at` the task is stored at once and no
     *     worker, ajc's or a Go asyncjobs one, receives it before that time; a `run_at` in
     *     the past means now. The wake-up is a nats-server message schedule, so this needs
     *     nats-server 2.14 or newer (`GET /v1/info` says `delayed_tasks`).
     *
     *     Errors by status:
     *     - `400`: `invalid_json` (also, as the Go server, bad base64 in `payload_base64`
     *       and a `deadline` or `run_at` that is not RFC 3339), `payload_both_set`,
     *       `task_type_invalid`, `task_id_invalid`, `queue_name_invalid`,
     *       `invalid_argument` (for example `created` not RFC 3339),
     *       `idempotency_key_invalid`, `run_at_after_deadline` (field `run_at`: the task
     *       could only expire), `delayed_tasks_unavailable` (field `run_at`: the NATS
     *       server is older than 2.14; nothing is stored), `invalid_argument` for a
     *       `run_at` after the year 9999; `signature_required` (code `signature_required`,
     *       reason `task_not_signed`) and `signature_invalid` (code `signature_invalid`,
     *       reason `task_signature_invalid`) when signatures are verified.
     *     - `404`: `queue_not_found` (the requested queue does not exist).
     *     - `409`: `task_already_exists` (the given `id` is taken),
     *       `idempotency_key_reused`, `task_cannot_enqueue`, `task_past_deadline`,
     *       `duplicate_item` (code `duplicate`).
     *     - `413`: body over the size limit. `503`: storage unavailable.
     */
    post: operations["createTask"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/tasks/{id}": {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description Task id. */
        id: string;
      };
      cookie?: never;
    };
    /**
     * Fetch a task by id.
     * @description Errors: `400` `task_id_invalid`; with signature verification on, `400`
     *     `signature_required` (reason `task_not_signed`) or `signature_invalid` (reason
     *     `task_signature_invalid`) for a stored task that is unsigned or badly signed;
     *     `404` `task_not_found`.
     *
     *     With `Prefer: wait=N` (ajc addition) the answer is held until the task ends or
     *     N seconds pass; see the `Prefer` parameter.
     */
    get: operations["getTask"];
    put?: never;
    post?: never;
    /**
     * Delete a task.
     * @description Removes the task from storage (not its work item, which a worker then drops).
     *     Errors: `400` `task_id_invalid`; `404` `task_not_found` (also when a concurrent
     *     delete got there first); `409` `task_update_conflict` when the task was saved
     *     again (retried, or run by a worker) while it was being deleted: the newer
     *     version is kept, delete again to remove it (ajc addition).
     */
    delete: operations["deleteTask"];
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/tasks/{id}/retry": {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description Task id. */
        id: string;
      };
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Retry a single task.
     * @description Sets the task to `retry`, clears its result and enqueues it again, into the
     *     task's own queue (ajc addition: the reference uses the server's queue).
     *     Errors: `400` `task_id_invalid`, `queue_name_required` (the task has no queue),
     *     signature errors as for `getTask`; `404` `task_not_found`, `queue_not_found`
     *     (the task's queue is gone); `409` `task_already_active`, `task_cannot_enqueue`,
     *     `task_update_conflict`, `duplicate_item`.
     */
    post: operations["retryTask"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/tasks/retry": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Retry multiple tasks.
     * @description Retries each id as `retryTask` does and reports per item; the status is 200
     *     even when some items fail. Errors: `400` `ids_required` (no ids) or
     *     `ids_too_many` (more than 100), `invalid_json`.
     */
    post: operations["retryTasks"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/events": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Watch tasks and lifecycle events as they happen (Server-Sent Events).
     * @description ajc addition. A `text/event-stream` answer that stays open: one event per task
     *     change and per asyncjobs lifecycle event, as they happen. Each event has
     *     `event:` (its kind), `id:` and `data:` (one line of JSON, the `EventData`
     *     schema):
     *
     *     | `event:` | `data:` | `id:` |
     *     |---|---|---|
     *     | `task` | the task as stored (`Task`) after a change | the task-store sequence it was stored at |
     *     | `task_state` | the lifecycle event as Go publishes it (`TaskStateEvent`) | the stream's cursor |
     *     | `leader_elected` | `LeaderElectedEvent` | the stream's cursor |
     *     | `end` | why the server ended the stream (`EventStreamEnd`); the last event | the stream's cursor |
     *
     *     **Resuming.** Every `id:` is a sequence of the task store (the JetStream stream
     *     `CHORIA_AJ_TASKS`). That stream keeps one message per task, and each save of a
     *     task replaces its previous message with one at a higher sequence, so the
     *     messages after sequence N are the latest state of every task changed since N,
     *     each once. A client that reconnects with `Last-Event-ID: N` (EventSource does
     *     so by itself) is therefore sent every task changed since, at its latest state,
     *     while the store still holds it (retention, `DELETE` and purge remove tasks
     *     without an event). For a first connection `after=N` does the same; without
     *     either the stream starts with changes from now on. Lifecycle events come from
     *     core NATS and are best effort, as in Go: those published while no stream was
     *     open are not replayed, so treat `task` events as the record and `task_state`
     *     as a hint. A lifecycle event's `id:` is the newest sequence the stream had read
     *     when it was sent, so `Last-Event-ID` keeps its meaning whatever kind came last.
     *
     *     **Filters.** `task` (repeatable, at most 100), `type`, `queue` and `state`
     *     (repeatable) apply to `task` and `task_state` events; `kind` (repeatable)
     *     chooses the kinds sent (default all). A stream filtered to tasks carries
     *     `leader_elected` events only when `kind` asks for them.
     *
     *     **Staying open.** A `: heartbeat` comment is sent after 15 seconds without
     *     another event, so proxies do not close a quiet stream; the server's write
     *     timeout does not apply to streams. The answer has `Cache-Control: no-cache`
     *     and `X-Accel-Buffering: no` (nginx then passes events on as they come). A
     *     client that does not read what it is sent is cut off once 1 MiB is waiting for
     *     it (or its buffer stays full for 10 seconds): it gets a last `end` event with
     *     reason `slow_client` and should reconnect with `Last-Event-ID`. Server shutdown
     *     ends streams with reason `server_shutdown`. At most `--max-event-streams`
     *     (default 100) streams are open per server; beyond that the answer is `429`
     *     (`rate_limited`, reason `too_many_streams`) with `Retry-After`.
     *
     *     Errors: `400` with reason `invalid_argument` (an unknown `kind` or `state`, an
     *     `after` or `Last-Event-ID` that is not a sequence, more than 100 `task`) or
     *     `task_id_invalid`, with `details.field` naming the parameter.
     */
    get: operations["watchEvents"];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/queues": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * List queues.
     * @description Every work queue with its settings and current counts. Raw JetStream stream and
     *     consumer detail is never returned; use the NATS tools for that.
     */
    get: operations["listQueues"];
    put?: never;
    /**
     * Create a queue.
     * @description As the Go server, `max_tries` and `max_entries` of 0 or below mean unlimited
     *     (answered as -1), `max_concurrent` 0 and `max_runtime` `0s` mean the default, and
     *     a negative `max_age` means no limit.
     *
     *     Errors: `400` `invalid_json`, `queue_name_required`, `queue_name_invalid`,
     *     `invalid_duration` (field `max_age` or `max_runtime`), `invalid_argument`
     *     (a negative `max_concurrent`), `queue_invalid`, `default_queue_disallowed` (field
     *     `name`: `DEFAULT` may only be created when the server runs with
     *     `--allow-create-default`); `409` `queue_already_exists` (code `duplicate`).
     */
    post: operations["createQueue"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/queues/{name}": {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description Queue name. */
        name: string;
      };
      cookie?: never;
    };
    /**
     * Fetch queue info.
     * @description Errors: `400` `queue_name_invalid`; `404` `queue_not_found`.
     */
    get: operations["getQueue"];
    put?: never;
    post?: never;
    /**
     * Delete a queue.
     * @description Deletes the queue's stream with every work item in it. Tasks stay in the task
     *     store. Errors: `400` `queue_name_invalid`; `404` `queue_not_found`.
     */
    delete: operations["deleteQueue"];
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/queues/{name}/purge": {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description Queue name. */
        name: string;
      };
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Purge queue contents.
     * @description Removes every work item from the queue; the queue and the tasks stay.
     *     Errors: `400` `queue_name_invalid`; `404` `queue_not_found`.
     */
    post: operations["purgeQueue"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/schedules": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** List scheduled tasks. */
    get: operations["listSchedules"];
    put?: never;
    /**
     * Create a scheduled task.
     * @description `schedule` must be one the Go scheduler can parse: five fields (numbers in range,
     *     month and weekday names, `*`, `?`, ranges, lists, steps), a lower-case descriptor
     *     such as `@daily`, or `@every <duration>`, optionally after `CRON_TZ=<zone>`.
     *
     *     Errors: `400` `invalid_json` (also bad base64 in `payload_base64`),
     *     `queue_name_required` (no `queue`), `task_type_invalid` (no or a bad
     *     `task_type`), `schedule_invalid` (bad name, cron expression or queue name, or a
     *     `deadline_offset` under 30s), `invalid_duration` (field `deadline_offset`),
     *     `payload_both_set`; `409`
     *     `schedule_already_exists` (code `duplicate`).
     */
    post: operations["createSchedule"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/schedules/{name}": {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description Schedule name. */
        name: string;
      };
      cookie?: never;
    };
    /**
     * Fetch a scheduled task.
     * @description Errors: `400` `schedule_invalid` (bad name); `404` `schedule_not_found`.
     */
    get: operations["getSchedule"];
    /**
     * Replace a scheduled task (ajc addition).
     * @description Replaces the stored schedule with the body, checked as a create is (without `name`:
     *     the path names the schedule, which cannot be renamed). The schedule keeps
     *     its `created_at` and, when paused, stays paused. A running scheduler (ajc's or a Go
     *     one) picks the change up at once and computes the next firing from the new expression.
     *
     *     Errors: those of `createSchedule` (`invalid_json` for a `name` in the body), plus `400`
     *     `schedule_invalid` (a bad path name); `404` `schedule_not_found`.
     */
    put: operations["replaceSchedule"];
    post?: never;
    /**
     * Delete a scheduled task.
     * @description Errors: `400` `schedule_invalid` (bad name); `404` `schedule_not_found`.
     */
    delete: operations["deleteSchedule"];
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/schedules/{name}/pause": {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description Schedule name. */
        name: string;
      };
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Pause a scheduled task (ajc addition).
     * @description No scheduler fires a paused schedule, a Go `ajc tasks cron scheduler` leader included:
     *     ajc moves it out of the `scheduled_tasks.<name>` key of `CHORIA_AJ_CONFIGURATION` (the
     *     only keys schedulers watch) to `ajc_paused_schedules.<name>`, the same JSON with
     *     `paused_at`. Go's tools do not list a paused schedule. Pausing a paused schedule changes
     *     nothing. The answer has `paused: true`.
     *
     *     Errors: `400` `schedule_invalid` (bad name); `404` `schedule_not_found`.
     */
    post: operations["pauseSchedule"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/schedules/{name}/resume": {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description Schedule name. */
        name: string;
      };
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Resume a paused scheduled task (ajc addition).
     * @description Moves the schedule back where schedulers fire it; the next firing is computed from now
     *     (firings missed while paused are not made up). Resuming an active schedule changes nothing.
     *
     *     Errors: `400` `schedule_invalid` (bad name); `404` `schedule_not_found`.
     */
    post: operations["resumeSchedule"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/schedules/{name}/trigger": {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description Schedule name. */
        name: string;
      };
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Run a scheduled task now (ajc addition).
     * @description Enqueues the schedule's task once, now, as a firing makes it (queue, type, payload, max
     *     tries, a deadline of now plus the offset), with a task id of its own; paused schedules too.
     *     The schedule's next regular firing is unchanged.
     *
     *     Errors: `400` `schedule_invalid` (bad name); `404` `schedule_not_found`, `queue_not_found`
     *     (the schedule's queue does not exist).
     */
    post: operations["triggerSchedule"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
}
export type webhooks = Record<string, never>;
export interface components {
  schemas: {
    /** @description The one error envelope used by every error response of this server. */
    Error: {
      error: {
        /**
         * @description Stable, machine-readable error code; a closed list. Branch on this.
         *     `dependency_failed` (409) is kept for a task whose dependency failed.
         * @enum {string}
         */
        code:
          | "invalid_argument"
          | "not_found"
          | "conflict"
          | "duplicate"
          | "rate_limited"
          | "payload_too_large"
          | "unavailable"
          | "signature_required"
          | "signature_invalid"
          | "dependency_failed"
          | "internal";
        /** @description Human-readable summary. Not for programmatic use. */
        message: string;
        /**
         * @description Closed, structured detail; never raw upstream error text.
         *
         *     `reason` is always set. Every reason, grouped by the code it comes with:
         *     - `invalid_argument`: `task_type_invalid`, `task_id_invalid`,
         *       `queue_name_required`, `queue_name_invalid`, `queue_invalid`,
         *       `default_queue_disallowed`, `schedule_invalid`,
         *       `unknown_retry_policy`, `invalid_duration`, `invalid_argument`,
         *       `invalid_json`, `invalid_payload`, `payload_both_set`,
         *       `idempotency_key_invalid`, `ids_required`, `ids_too_many`,
         *       `limit_invalid`, `method_not_allowed`, `signature_key_invalid`,
         *       `run_at_after_deadline`, `delayed_tasks_unavailable`,
         *       `unsupported_media_type` (415), `origin_forbidden` (403),
         *       `host_forbidden` (403)
         *     - `not_found`: `task_not_found`, `queue_not_found`,
         *       `schedule_not_found`, `not_found` (no such path)
         *     - `conflict`: `task_cannot_enqueue`, `task_past_deadline`,
         *       `task_already_active`, `task_already_in_state`,
         *       `task_already_signed`, `task_already_exists`,
         *       `task_update_conflict`, `idempotency_key_reused`
         *     - `duplicate`: `queue_already_exists`, `schedule_already_exists`,
         *       `duplicate_item`
         *     - `rate_limited`: `list_in_progress`, `too_many_streams`
         *     - `payload_too_large`: `payload_too_large`
         *     - `unavailable`: `storage_not_ready`, `storage_timeout`
         *     - `signature_required`: `task_not_signed`
         *     - `signature_invalid`: `task_signature_invalid`
         *     - `dependency_failed`: `dependency_failed`
         *     - `internal`: `internal`
         */
        details: {
          /** @description The request field (or query parameter) to blame, when one is. */
          field?: string;
          /** @description Stable, finer-grained identifier; see the list above. */
          reason: string;
        };
      };
    };
    /**
     * @description `new` (waiting), `active` (a handler runs it), `retry` (failed, will run again),
     *     `expired` (past its deadline or out of tries), `terminated` (a handler gave up
     *     on it), `complete`, `queue_error` (stored but its work item could not be
     *     published), `blocked` (waiting for dependencies), `unreachable` (a dependency
     *     can never complete).
     * @enum {string}
     */
    TaskState:
      | "new"
      | "active"
      | "retry"
      | "expired"
      | "terminated"
      | "complete"
      | "queue_error"
      | "blocked"
      | "unreachable";
    /**
     * @description A task as the library stores it. `payload` is base64 of the payload bytes, or
     *     `null` for a task without one; decode it before use, and pass the undecoded
     *     string as `payload_base64` to resubmit it. Optional fields are left out when
     *     empty, as the Go library does.
     */
    Task: {
      id: string;
      type: string;
      /** @description The queue the task was last enqueued to. */
      queue: string;
      /** @description Ids of tasks that must complete first. */
      dependencies?: string[];
      /** @description Results of the dependencies, by task id (with `load_dependencies`). */
      dependency_results?: {
        [key: string]: components["schemas"]["TaskResult"];
      };
      load_dependencies?: boolean;
      /**
       * Format: byte
       * @description Base64-encoded payload bytes; `null` when there is no payload.
       */
      payload: string | null;
      /**
       * Format: date-time
       * @description Absolute time after which the task is no longer started.
       */
      deadline?: string;
      max_tries: number;
      result?: components["schemas"]["TaskResult"];
      state: components["schemas"]["TaskState"];
      /** Format: date-time */
      created: string;
      /**
       * Format: date-time
       * @description When a handler last started it.
       */
      tried?: string;
      tries: number;
      last_err?: string;
      /** @description Hex-encoded ed25519 signature, when present. */
      signature?: string;
      /**
       * Format: date-time
       * @description ajc addition. No worker receives the task before this time (see
       *     `POST /v1/tasks`). A Go worker does not know the field and drops it when it
       *     saves the task, which it only does once the task is due.
       */
      run_at?: string;
    };
    TaskResult: {
      /** @description Any JSON value returned by the handler. */
      payload: unknown;
      /** Format: date-time */
      completed: string;
    };
    /**
     * @description Give at most one of `payload` and `payload_base64`; both is `400`
     *     (`invalid_argument`, reason `payload_both_set`). Unknown fields are refused.
     * @example {
     *       "type": "email:new",
     *       "payload": {
     *         "to": "user@example.com"
     *       }
     *     }
     */
    TaskCreateRequest: {
      /** @description Task type; must match `^[a-zA-Z0-9_:-]+$`. */
      type: string;
      /**
       * @description Queue to enqueue to; it must exist (`404`, reason `queue_not_found`).
       *     Defaults to the server's queue, also when empty. (ajc addition: the
       *     reference ignores it.)
       */
      queue?: string;
      /** @description Any JSON value. The server stores its compact JSON text as the payload bytes. */
      payload?: unknown;
      /**
       * Format: byte
       * @description Payload bytes already encoded as standard padded base64, for non-JSON content.
       */
      payload_base64?: string;
      /**
       * Format: date-time
       * @description Absolute RFC 3339 cut-off for starting the task.
       */
      deadline?: string;
      /**
       * Format: date-time
       * @description ajc addition. RFC 3339 time before which no worker receives the task; in the
       *     past means now. Not after `deadline` (`400`, reason `run_at_after_deadline`).
       *     Needs nats-server 2.14 or newer (`400`, reason `delayed_tasks_unavailable`).
       */
      run_at?: string;
      /**
       * @description Attempts before the task expires (default 10). As the Go server, 0 or below
       *     is accepted and means no limit.
       */
      max_tries?: number;
      /** @description Ids of tasks that must complete first; the task starts `blocked`. */
      dependencies?: string[];
      /** @description Hand the dependencies' results to the handler. */
      load_dependencies?: boolean;
      /**
       * @description Hex-encoded ed25519 signature over the library's signing message
       *     `<id>:<queue>:<type>:<max_tries>:<created unix ns>:<deadline unix ns or 0>:<base64 payload>`.
       *     Required when the server verifies signatures; the server never signs for you.
       */
      signature?: string;
      /**
       * @description ajc addition. The task id, for callers that sign; it must not be in use
       *     (`409`, reason `task_already_exists`). Default: a new ULID.
       */
      id?: string;
      /**
       * Format: date-time
       * @description ajc addition. The creation time the signature covers. Default: now.
       */
      created?: string;
    };
    TaskListResponse: {
      tasks: components["schemas"]["Task"][];
      /** @description Number of tasks in this response. */
      count: number;
      /**
       * @description ajc addition. Present when the read stopped at `limit` with more tasks stored
       *     after it: pass it back as `after=` (with the same filters) for the next page.
       *     Absent on the last page.
       */
      next?: string;
    };
    BulkRetryRequest: {
      /** @description Task ids: at least 1 (`ids_required`), at most 100 (`ids_too_many`). */
      ids: string[];
    };
    BulkRetryResponse: {
      results: components["schemas"]["BulkRetryResult"][];
    };
    BulkRetryResult: {
      id: string;
      /**
       * @description `ok`, `not_found` (no such task) or `failed` (see `error`).
       * @enum {string}
       */
      status: "ok" | "not_found" | "failed";
      /** @description Present when status is not `ok`. */
      error?: string;
    };
    /**
     * @description Durations are Go duration strings such as `30s`, `5m` or `1h30m`; `QueueInfo`
     *     reports them back as int64 nanoseconds. Unknown fields are refused.
     * @example {
     *       "name": "REPORTS",
     *       "max_age": "1h",
     *       "max_tries": 10
     *     }
     */
    QueueCreateRequest: {
      /**
       * @description Queue name; must match `^[a-zA-Z0-9_:-]+$`. Empty is as left out
       *     (`queue_name_required`).
       */
      name: string;
      /** @description How long a work item may wait before it is dropped (default unlimited). */
      max_age?: string;
      /**
       * @description Most work items the queue holds (default unlimited; 0 and, as the Go server
       *     accepts, -1 mean unlimited and are reported as -1).
       */
      max_entries?: number;
      /** @description When full, drop the oldest item instead of refusing new ones. */
      discard_old?: boolean;
      /**
       * @description Deliveries per work item (default unlimited; as the Go server, 0 or below
       *     also means unlimited and is reported as -1).
       */
      max_tries?: number;
      /** @description How long a handler may run before the item is redelivered (default `1h`). */
      max_runtime?: string;
      /**
       * @description Handlers running at once across all workers (default 100; as the Go server,
       *     0 also means the default; below 0 is `invalid_argument`).
       */
      max_concurrent?: number;
    };
    /**
     * @description A queue's settings as the library's queue JSON (durations as int64
     *     nanoseconds), plus, as ajc additions, a read-only view of its current state.
     *     Raw JetStream and consumer detail is never returned.
     */
    QueueInfo: {
      name: string;
      /**
       * Format: date-time
       * @description When this information was read.
       */
      time?: string;
      /**
       * Format: int64
       * @description Nanoseconds; 0 is unlimited.
       */
      max_age?: number;
      /** @description -1 is unlimited (JetStream's value, as the Go server reports it). */
      max_entries?: number;
      discard_old?: boolean;
      /** @description -1 is unlimited. */
      max_tries?: number;
      /**
       * Format: int64
       * @description Nanoseconds.
       */
      max_runtime?: number;
      max_concurrent?: number;
      /** @description ajc addition. Work items in the queue (waiting or being handled). */
      readonly entries?: number;
      /**
       * Format: int64
       * @description ajc addition. Bytes stored for those items.
       */
      readonly bytes?: number;
      /** @description ajc addition. Items delivered to a worker and not yet acknowledged. */
      readonly in_flight?: number;
      /** @description ajc addition. True when the queue is kept in memory rather than on disk. */
      readonly memory?: boolean;
      /** @description ajc addition. JetStream replicas of the queue's stream. */
      readonly replicas?: number;
    };
    QueueList: {
      queues: components["schemas"]["QueueInfo"][];
    };
    /**
     * @description A schedule as the library stores it. `payload` is base64, left out when there is
     *     none (as the Go server answers), and `deadline` is the deadline offset as int64
     *     nanoseconds, left out when there is none (it is set with `deadline_offset` on
     *     create).
     */
    Schedule: {
      name: string;
      /** @description Cron expression. */
      schedule: string;
      queue: string;
      task_type: string;
      /**
       * Format: byte
       * @description Base64-encoded payload bytes; left out when there is no payload.
       */
      payload?: string;
      /**
       * Format: int64
       * @description Nanoseconds added to each firing time to give the task's deadline.
       */
      deadline?: number;
      max_tries: number;
      /** Format: date-time */
      created_at: string;
      /** @description ajc addition. `true` while the schedule is paused; left out while active. */
      paused?: boolean;
      /**
       * Format: date-time
       * @description ajc addition. When the schedule was paused; left out while active.
       */
      paused_at?: string;
    };
    ScheduleList: {
      schedules: components["schemas"]["Schedule"][];
    };
    /**
     * @description Give at most one of `payload` and `payload_base64`. Unknown fields are refused.
     * @example {
     *       "name": "nightly-report",
     *       "schedule": "@daily",
     *       "queue": "REPORTS",
     *       "task_type": "report:nightly",
     *       "deadline_offset": "1h"
     *     }
     */
    ScheduleCreateRequest: {
      /** @description Schedule name; must match `^[a-zA-Z0-9_:-]+$`. */
      name: string;
      /**
       * @description Cron expression: five fields, a descriptor (`@yearly`, `@annually`,
       *     `@monthly`, `@weekly`, `@daily`, `@midnight`, `@hourly`) or
       *     `@every <go duration>`, optionally prefixed with `CRON_TZ=<zone>` or
       *     `TZ=<zone>`.
       */
      schedule: string;
      /**
       * @description The queue the tasks go to; it need not exist yet, but its name must match
       *     `^[a-zA-Z0-9_:-]+$` (ajc addition: the Go server takes any name). Empty is as
       *     left out (`queue_name_required`).
       */
      queue: string;
      task_type: string;
      /** @description Any JSON value. The server stores its compact JSON text as the payload bytes. */
      payload?: unknown;
      /**
       * Format: byte
       * @description Payload bytes already encoded as standard padded base64.
       */
      payload_base64?: string;
      /**
       * @description Go duration string, rounded to whole seconds as the Go server does, at least
       *     `30s`. Each task created by the schedule gets the deadline firing time +
       *     offset. Reported back as `deadline` (nanoseconds).
       */
      deadline_offset?: string;
      /**
       * @description Tries of each task created (default 10). As the Go server, 0 or below is
       *     accepted and means no limit.
       */
      max_tries?: number;
    };
    /**
     * @description ajc addition. The create body without `name` (the path names the schedule; it cannot
     *     be renamed). Give at most one of `payload` and `payload_base64`. Unknown fields are
     *     refused.
     * @example {
     *       "schedule": "@every 5m",
     *       "queue": "REPORTS",
     *       "task_type": "report:nightly",
     *       "deadline_offset": "1h"
     *     }
     */
    ScheduleReplaceRequest: {
      /**
       * @description Cron expression: five fields, a descriptor (`@yearly`, `@annually`,
       *     `@monthly`, `@weekly`, `@daily`, `@midnight`, `@hourly`) or
       *     `@every <go duration>`, optionally prefixed with `CRON_TZ=<zone>` or
       *     `TZ=<zone>`.
       */
      schedule: string;
      /**
       * @description The queue the tasks go to; it need not exist yet, but its name must match
       *     `^[a-zA-Z0-9_:-]+$` (ajc addition: the Go server takes any name). Empty is as
       *     left out (`queue_name_required`).
       */
      queue: string;
      task_type: string;
      /** @description Any JSON value. The server stores its compact JSON text as the payload bytes. */
      payload?: unknown;
      /**
       * Format: byte
       * @description Payload bytes already encoded as standard padded base64.
       */
      payload_base64?: string;
      /**
       * @description Go duration string, rounded to whole seconds as the Go server does, at least
       *     `30s`. Each task created by the schedule gets the deadline firing time +
       *     offset. Reported back as `deadline` (nanoseconds).
       */
      deadline_offset?: string;
      /**
       * @description Tries of each task created (default 10). As the Go server, 0 or below is
       *     accepted and means no limit.
       */
      max_tries?: number;
    };
    Info: {
      version: string;
      /**
       * @description How clients are admitted. `none`: anyone who can connect (front the server
       *     with an authenticating proxy). `mtls`: clients must present a certificate
       *     that verifies against the configured CA.
       * @enum {string}
       */
      auth: "none" | "mtls";
      /** @description Left out when storage cannot be read. */
      queue_count?: number;
      /** @description Left out when storage cannot be read. */
      task_count?: number;
      /**
       * @description ajc addition. The name of the scheduler that leads the cron scheduler election
       *     now (`ajc task cron scheduler`, or a Go one: they share the election); left out
       *     when none leads or storage cannot be read.
       */
      scheduler_leader?: string;
      /**
       * @description ajc addition. Whether tasks with a `run_at` can be created: the connected
       *     nats-server is 2.14 or newer (its message schedules wake them). Left out, as
       *     the counts, when storage cannot be read.
       */
      delayed_tasks?: boolean;
      features?: {
        [key: string]: boolean;
      };
    };
    RetryPolicy: {
      name: string;
      /** @description Retry intervals expressed as nanoseconds. */
      intervals: number[];
      /**
       * Format: double
       * @description Fraction of each interval that is fixed; the rest is random.
       */
      jitter: number;
    };
    RetryPolicyList: {
      policies: components["schemas"]["RetryPolicy"][];
    };
    /**
     * @description ajc addition. The `data:` of one `GET /v1/events` event, by its `event:` name:
     *     `task` → `Task`, `task_state` → `TaskStateEvent`, `leader_elected` →
     *     `LeaderElectedEvent`, `end` → `EventStreamEnd`.
     */
    EventData:
      | components["schemas"]["Task"]
      | components["schemas"]["TaskStateEvent"]
      | components["schemas"]["LeaderElectedEvent"]
      | components["schemas"]["EventStreamEnd"];
    /**
     * @description ajc addition. A task changed state: the asyncjobs lifecycle event, as the Go
     *     library publishes it on `CHORIA_AJ.E.task_state.<id>`.
     */
    TaskStateEvent: {
      event_id: string;
      /** @enum {string} */
      type: "io.choria.asyncjobs.v1.task_state";
      /** Format: date-time */
      timestamp: string;
      task_id: string;
      state: components["schemas"]["TaskState"];
      tries: number;
      queue?: string;
      task_type: string;
      last_error?: string;
      /**
       * Format: int64
       * @description Nanoseconds since the task was created.
       */
      task_age?: number;
    };
    /**
     * @description ajc addition. A component (such as the task scheduler) elected a leader: the
     *     asyncjobs lifecycle event on `CHORIA_AJ.E.leader_election.<component>`.
     */
    LeaderElectedEvent: {
      event_id: string;
      /** @enum {string} */
      type: "io.choria.asyncjobs.v1.leader_elected";
      /** Format: date-time */
      timestamp: string;
      name: string;
      component: string;
    };
    /**
     * @description ajc addition. The last event of a stream the server ended: `slow_client` (the
     *     client did not read fast enough), `server_shutdown`, or `storage_failed`.
     *     Reconnect with `Last-Event-ID` to go on.
     */
    EventStreamEnd: {
      /** @enum {string} */
      reason: "slow_client" | "server_shutdown" | "storage_failed";
      message: string;
    };
    HealthResponse: {
      /** @enum {string} */
      status: "ok";
      /** Format: date-time */
      time: string;
    };
    ReadinessResponse: {
      ready: boolean;
      checks: {
        tasks: components["schemas"]["CheckStatus"];
        config: components["schemas"]["CheckStatus"];
      };
    };
    CheckStatus: {
      ok: boolean;
      /** @description Present when the check failed. */
      error?: string;
    };
    /** @description ajc addition. An OpenAPI 3.0 document (this one). */
    OpenAPIDocument: {
      openapi: string;
      info: {
        [key: string]: unknown;
      };
      paths: {
        [key: string]: unknown;
      };
    } & {
      [key: string]: unknown;
    };
  };
  responses: {
    /**
     * @description The request is invalid: code `invalid_argument` (or `signature_required` /
     *     `signature_invalid`). `details.reason` says why and `details.field` names the
     *     field when one is to blame; the operation's description lists the reasons.
     */
    BadRequest: {
      headers: {
        [name: string]: unknown;
      };
      content: {
        "application/json": components["schemas"]["Error"];
      };
    };
    /**
     * @description No such resource: code `not_found`, reason `task_not_found`, `queue_not_found`,
     *     `schedule_not_found`, or `not_found` for a path this server does not have.
     */
    NotFound: {
      headers: {
        [name: string]: unknown;
      };
      content: {
        "application/json": components["schemas"]["Error"];
      };
    };
    /**
     * @description The request conflicts with what is stored: code `conflict` (a state that does
     *     not allow it, a taken id, a reused idempotency key) or `duplicate` (the
     *     resource or work item already exists).
     */
    Conflict: {
      headers: {
        [name: string]: unknown;
      };
      content: {
        "application/json": components["schemas"]["Error"];
      };
    };
    /**
     * @description The request body is over the server's limit: code `payload_too_large`, reason
     *     `payload_too_large`.
     */
    PayloadTooLarge: {
      headers: {
        [name: string]: unknown;
      };
      content: {
        "application/json": components["schemas"]["Error"];
      };
    };
    /**
     * @description Another listing is running: code `rate_limited`, reason `list_in_progress`;
     *     or (ajc addition) the server's limit of open event streams is reached, reason
     *     `too_many_streams`. Try again after `Retry-After` seconds.
     */
    RateLimited: {
      headers: {
        "Retry-After": components["headers"]["RetryAfter"];
        [name: string]: unknown;
      };
      content: {
        "application/json": components["schemas"]["Error"];
      };
    };
    /**
     * @description Something unexpected failed: code `internal`, reason `internal`. The cause is
     *     logged by the server, not returned.
     */
    Internal: {
      headers: {
        [name: string]: unknown;
      };
      content: {
        "application/json": components["schemas"]["Error"];
      };
    };
    /**
     * @description ajc addition. Storage cannot be reached right now (NATS down or JetStream not
     *     ready): code `unavailable`, reason `storage_not_ready`. Retry later.
     */
    Unavailable: {
      headers: {
        [name: string]: unknown;
      };
      content: {
        "application/json": components["schemas"]["Error"];
      };
    };
    /**
     * @description ajc addition. Storage did not answer in time (NATS's request timeout, or the
     *     server's write timeout): code
     *     `unavailable`, reason `storage_timeout`. Any operation can end this way. The
     *     outcome is unknown (the write may still take effect): retry with the same
     *     `Idempotency-Key`, or read before repeating a write.
     */
    StorageTimeout: {
      headers: {
        [name: string]: unknown;
      };
      content: {
        "application/json": components["schemas"]["Error"];
      };
    };
    /**
     * @description ajc addition. The browser guard refused the request: code `invalid_argument`,
     *     reason `origin_forbidden` (it may change something and its `Origin` is not
     *     the server's own) or `host_forbidden` (its `Host` names neither a loopback
     *     address, `localhost` nor an `--allowed-host` name). Nothing was done.
     */
    Forbidden: {
      headers: {
        [name: string]: unknown;
      };
      content: {
        "application/json": components["schemas"]["Error"];
      };
    };
    /**
     * @description ajc addition. The request has a body that is not declared
     *     `Content-Type: application/json`: code `invalid_argument`, reason
     *     `unsupported_media_type`, `details.field` `Content-Type`. Nothing was done.
     */
    UnsupportedMediaType: {
      headers: {
        [name: string]: unknown;
      };
      content: {
        "application/json": components["schemas"]["Error"];
      };
    };
    /**
     * @description ajc addition. The path exists but not with this method: code
     *     `invalid_argument`, reason `method_not_allowed`, and an `Allow` header.
     */
    MethodNotAllowed: {
      headers: {
        Allow: components["headers"]["Allow"];
        [name: string]: unknown;
      };
      content: {
        "application/json": components["schemas"]["Error"];
      };
    };
  };
  parameters: never;
  requestBodies: never;
  headers: {
    /** @description Path of the task, `/v1/tasks/<id>`. */
    TaskLocation: string;
    /** @description Seconds to wait before trying again. */
    RetryAfter: number;
    /**
     * @description ajc addition (RFC 7240): `wait=N` when the server honoured `Prefer: wait`, N
     *     being the seconds it was willing to wait.
     */
    PreferenceApplied: string;
    /** @description The methods the path supports, comma separated. */
    Allow: string;
  };
  pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
  getHealthz: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The process is up. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["HealthResponse"];
        };
      };
      403: components["responses"]["Forbidden"];
      500: components["responses"]["Internal"];
    };
  };
  getReadyz: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Every check passed. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ReadinessResponse"];
        };
      };
      403: components["responses"]["Forbidden"];
      500: components["responses"]["Internal"];
      /** @description At least one check failed. */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ReadinessResponse"];
        };
      };
    };
  };
  getOpenAPI: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The OpenAPI document. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["OpenAPIDocument"];
        };
      };
      403: components["responses"]["Forbidden"];
      500: components["responses"]["Internal"];
    };
  };
  getInfo: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Server info. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Info"];
        };
      };
      403: components["responses"]["Forbidden"];
      500: components["responses"]["Internal"];
    };
  };
  listRetryPolicies: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Retry policies. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["RetryPolicyList"];
        };
      };
      403: components["responses"]["Forbidden"];
      500: components["responses"]["Internal"];
    };
  };
  listTasks: {
    parameters: {
      query?: {
        /**
         * @description Repeatable: tasks in any of these states. `completed` is accepted as another
         *     spelling of `complete`.
         */
        state?: (
          | "new"
          | "active"
          | "retry"
          | "expired"
          | "terminated"
          | "complete"
          | "queue_error"
          | "blocked"
          | "unreachable"
          | "completed"
        )[];
        /** @description Only tasks in this queue. */
        queue?: string;
        /** @description Only tasks of this type. */
        type?: string;
        /** @description Only tasks created at or after this time (RFC 3339). */
        created_since?: string;
        /**
         * @description ajc addition. `true`: only tasks still waiting for their `run_at` (state `new`
         *     or `blocked`, `run_at` in the future); `false`: only the others.
         */
        waiting?: "true" | "false";
        /**
         * @description At most this many tasks are read. JSON: values above 1000 count as 1000 (the
         *     `maximum` below). With `stream=ndjson` (ajc addition) up to 10,000,000 are read
         *     and larger values count as 10,000,000; the schema keeps the reference's
         *     `maximum: 1000`, which applies to JSON listings.
         */
        limit?: number;
        /**
         * @description ajc addition. Continue after this cursor: the `next` of an earlier page (NDJSON
         *     streams accept it too). Errors: `400` `invalid_argument` when it is not one.
         */
        after?: string;
        /** @description When `ndjson`, stream newline-delimited JSON, one task per line. */
        stream?: "ndjson";
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /**
       * @description The tasks. `application/json` by default; `application/x-ndjson` (each line
       *     one `Task`) when `stream=ndjson`.
       */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["TaskListResponse"];
          "application/x-ndjson": components["schemas"]["Task"];
        };
      };
      400: components["responses"]["BadRequest"];
      403: components["responses"]["Forbidden"];
      429: components["responses"]["RateLimited"];
      500: components["responses"]["Internal"];
      503: components["responses"]["Unavailable"];
    };
  };
  createTask: {
    parameters: {
      query?: never;
      header?: {
        /**
         * @description 1 to 128 characters (`idempotency_key_invalid`). Replays within 10 minutes
         *     return the original task with `200` instead of creating another.
         */
        "Idempotency-Key"?: string;
        /**
         * @description ajc addition (RFC 7240). `wait=N`: hold the answer until the task is in an
         *     end state (`complete`, `expired`, `terminated`, `unreachable`) or N seconds
         *     have passed, whichever is first; then answer as usual with the task as it is
         *     then. N is capped by the server's `--max-wait` (default 60); the answer says
         *     `Preference-Applied: wait=N` with the N it waited for at most. Other
         *     preferences, and a malformed `wait`, are ignored.
         */
        Prefer?: string;
      };
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        "application/json": components["schemas"]["TaskCreateRequest"];
      };
    };
    responses: {
      /**
       * @description ajc addition: an idempotent replay. The task created by the first request
       *     with this `Idempotency-Key`, with the same `Location`.
       */
      200: {
        headers: {
          Location: components["headers"]["TaskLocation"];
          "Preference-Applied": components["headers"]["PreferenceApplied"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Task"];
        };
      };
      /** @description Task created and enqueued. */
      201: {
        headers: {
          Location: components["headers"]["TaskLocation"];
          "Preference-Applied": components["headers"]["PreferenceApplied"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Task"];
        };
      };
      400: components["responses"]["BadRequest"];
      403: components["responses"]["Forbidden"];
      404: components["responses"]["NotFound"];
      409: components["responses"]["Conflict"];
      413: components["responses"]["PayloadTooLarge"];
      415: components["responses"]["UnsupportedMediaType"];
      500: components["responses"]["Internal"];
      503: components["responses"]["Unavailable"];
    };
  };
  getTask: {
    parameters: {
      query?: never;
      header?: {
        /**
         * @description ajc addition (RFC 7240). `wait=N`: hold the answer until the task is in an
         *     end state (`complete`, `expired`, `terminated`, `unreachable`) or N seconds
         *     have passed, whichever is first; then answer as usual with the task as it is
         *     then. N is capped by the server's `--max-wait` (default 60); the answer says
         *     `Preference-Applied: wait=N` with the N it waited for at most. Other
         *     preferences, and a malformed `wait`, are ignored.
         */
        Prefer?: string;
      };
      path: {
        /** @description Task id. */
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The task. */
      200: {
        headers: {
          "Preference-Applied": components["headers"]["PreferenceApplied"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Task"];
        };
      };
      400: components["responses"]["BadRequest"];
      403: components["responses"]["Forbidden"];
      404: components["responses"]["NotFound"];
      500: components["responses"]["Internal"];
      503: components["responses"]["Unavailable"];
    };
  };
  deleteTask: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description Task id. */
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Deleted. No body. */
      204: {
        headers: {
          [name: string]: unknown;
        };
        content?: never;
      };
      400: components["responses"]["BadRequest"];
      403: components["responses"]["Forbidden"];
      404: components["responses"]["NotFound"];
      409: components["responses"]["Conflict"];
      500: components["responses"]["Internal"];
      503: components["responses"]["Unavailable"];
    };
  };
  retryTask: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description Task id. */
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The task, re-enqueued. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Task"];
        };
      };
      400: components["responses"]["BadRequest"];
      403: components["responses"]["Forbidden"];
      404: components["responses"]["NotFound"];
      409: components["responses"]["Conflict"];
      413: components["responses"]["PayloadTooLarge"];
      415: components["responses"]["UnsupportedMediaType"];
      500: components["responses"]["Internal"];
      503: components["responses"]["Unavailable"];
    };
  };
  retryTasks: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        "application/json": components["schemas"]["BulkRetryRequest"];
      };
    };
    responses: {
      /** @description Per-item retry results, in request order. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["BulkRetryResponse"];
        };
      };
      400: components["responses"]["BadRequest"];
      403: components["responses"]["Forbidden"];
      413: components["responses"]["PayloadTooLarge"];
      415: components["responses"]["UnsupportedMediaType"];
      500: components["responses"]["Internal"];
      503: components["responses"]["Unavailable"];
    };
  };
  watchEvents: {
    parameters: {
      query?: {
        /** @description Repeatable: only these tasks. */
        task?: string[];
        /** @description Only tasks of this type. */
        type?: string;
        /** @description Only tasks in this queue. */
        queue?: string;
        /** @description Repeatable: only tasks (and task_state events) in these states. */
        state?: components["schemas"]["TaskState"][];
        /** @description Repeatable: only events of these kinds. Default all. */
        kind?: ("task" | "task_state" | "leader_elected")[];
        /** @description Start after this task-store sequence (an `id:` of an earlier stream). */
        after?: number;
      };
      header?: {
        /** @description Resume after this event id (a task-store sequence); wins over `after`. */
        "Last-Event-ID"?: string;
      };
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The event stream. Each `data:` line is one `EventData` value. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "text/event-stream": string;
        };
      };
      400: components["responses"]["BadRequest"];
      403: components["responses"]["Forbidden"];
      429: components["responses"]["RateLimited"];
      500: components["responses"]["Internal"];
      503: components["responses"]["Unavailable"];
    };
  };
  listQueues: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Queue list. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["QueueList"];
        };
      };
      403: components["responses"]["Forbidden"];
      500: components["responses"]["Internal"];
      503: components["responses"]["Unavailable"];
    };
  };
  createQueue: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        "application/json": components["schemas"]["QueueCreateRequest"];
      };
    };
    responses: {
      /** @description Queue created. */
      201: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["QueueInfo"];
        };
      };
      400: components["responses"]["BadRequest"];
      403: components["responses"]["Forbidden"];
      409: components["responses"]["Conflict"];
      413: components["responses"]["PayloadTooLarge"];
      415: components["responses"]["UnsupportedMediaType"];
      500: components["responses"]["Internal"];
      503: components["responses"]["Unavailable"];
    };
  };
  getQueue: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description Queue name. */
        name: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Queue info. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["QueueInfo"];
        };
      };
      400: components["responses"]["BadRequest"];
      403: components["responses"]["Forbidden"];
      404: components["responses"]["NotFound"];
      500: components["responses"]["Internal"];
      503: components["responses"]["Unavailable"];
    };
  };
  deleteQueue: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description Queue name. */
        name: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Deleted. No body. */
      204: {
        headers: {
          [name: string]: unknown;
        };
        content?: never;
      };
      400: components["responses"]["BadRequest"];
      403: components["responses"]["Forbidden"];
      404: components["responses"]["NotFound"];
      500: components["responses"]["Internal"];
      503: components["responses"]["Unavailable"];
    };
  };
  purgeQueue: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description Queue name. */
        name: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Purged. No body. */
      202: {
        headers: {
          [name: string]: unknown;
        };
        content?: never;
      };
      400: components["responses"]["BadRequest"];
      403: components["responses"]["Forbidden"];
      404: components["responses"]["NotFound"];
      413: components["responses"]["PayloadTooLarge"];
      415: components["responses"]["UnsupportedMediaType"];
      500: components["responses"]["Internal"];
      503: components["responses"]["Unavailable"];
    };
  };
  listSchedules: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Schedule list. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ScheduleList"];
        };
      };
      403: components["responses"]["Forbidden"];
      500: components["responses"]["Internal"];
      503: components["responses"]["Unavailable"];
    };
  };
  createSchedule: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        "application/json": components["schemas"]["ScheduleCreateRequest"];
      };
    };
    responses: {
      /** @description Schedule created. */
      201: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Schedule"];
        };
      };
      400: components["responses"]["BadRequest"];
      403: components["responses"]["Forbidden"];
      409: components["responses"]["Conflict"];
      413: components["responses"]["PayloadTooLarge"];
      415: components["responses"]["UnsupportedMediaType"];
      500: components["responses"]["Internal"];
      503: components["responses"]["Unavailable"];
    };
  };
  getSchedule: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description Schedule name. */
        name: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The schedule. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Schedule"];
        };
      };
      400: components["responses"]["BadRequest"];
      403: components["responses"]["Forbidden"];
      404: components["responses"]["NotFound"];
      500: components["responses"]["Internal"];
      503: components["responses"]["Unavailable"];
    };
  };
  replaceSchedule: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description Schedule name. */
        name: string;
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        "application/json": components["schemas"]["ScheduleReplaceRequest"];
      };
    };
    responses: {
      /** @description The schedule as now stored. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Schedule"];
        };
      };
      400: components["responses"]["BadRequest"];
      403: components["responses"]["Forbidden"];
      404: components["responses"]["NotFound"];
      413: components["responses"]["PayloadTooLarge"];
      415: components["responses"]["UnsupportedMediaType"];
      500: components["responses"]["Internal"];
      503: components["responses"]["Unavailable"];
    };
  };
  deleteSchedule: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description Schedule name. */
        name: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Deleted. No body. */
      204: {
        headers: {
          [name: string]: unknown;
        };
        content?: never;
      };
      400: components["responses"]["BadRequest"];
      403: components["responses"]["Forbidden"];
      404: components["responses"]["NotFound"];
      500: components["responses"]["Internal"];
      503: components["responses"]["Unavailable"];
    };
  };
  pauseSchedule: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description Schedule name. */
        name: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The paused schedule. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Schedule"];
        };
      };
      400: components["responses"]["BadRequest"];
      403: components["responses"]["Forbidden"];
      404: components["responses"]["NotFound"];
      415: components["responses"]["UnsupportedMediaType"];
      500: components["responses"]["Internal"];
      503: components["responses"]["Unavailable"];
    };
  };
  resumeSchedule: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description Schedule name. */
        name: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The active schedule. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Schedule"];
        };
      };
      400: components["responses"]["BadRequest"];
      403: components["responses"]["Forbidden"];
      404: components["responses"]["NotFound"];
      415: components["responses"]["UnsupportedMediaType"];
      500: components["responses"]["Internal"];
      503: components["responses"]["Unavailable"];
    };
  };
  triggerSchedule: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description Schedule name. */
        name: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The task created and enqueued. */
      201: {
        headers: {
          Location: components["headers"]["TaskLocation"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Task"];
        };
      };
      400: components["responses"]["BadRequest"];
      403: components["responses"]["Forbidden"];
      404: components["responses"]["NotFound"];
      415: components["responses"]["UnsupportedMediaType"];
      500: components["responses"]["Internal"];
      503: components["responses"]["Unavailable"];
    };
  };
}
