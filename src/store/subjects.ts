/** Stream, bucket and subject names of the asyncjobs storage layout (see the spec's table). */

export const TASKS_STREAM = "CHORIA_AJ_TASKS";
export const TASKS_SUBJECTS = "CHORIA_AJ.T.*";
export const TASKS_DESCRIPTION = "Choria Async Jobs Tasks";
export const taskSubject = (id: string) => `CHORIA_AJ.T.${id}`;

export const QUEUE_STREAM_PREFIX = "CHORIA_AJ_Q_";
export const QUEUE_DESCRIPTION = "Choria Async Jobs Work Queue";
export const QUEUES_WILDCARD = "CHORIA_AJ.Q.>";
export const WORKERS_CONSUMER = "WORKERS";
export const queueStream = (queue: string) => `${QUEUE_STREAM_PREFIX}${queue}`;
export const queueSubjects = (queue: string) => `CHORIA_AJ.Q.${queue}.>`;
export const workItemSubject = (queue: string, id: string) => `CHORIA_AJ.Q.${queue}.${id}`;

export const CONFIG_BUCKET = "CHORIA_AJ_CONFIGURATION";
export const CONFIG_DESCRIPTION = "Choria Async Jobs Configuration";
export const SCHEDULE_KEY_PREFIX = "scheduled_tasks.";
/**
 * Our addition: paused schedules, in the same bucket under a prefix no scheduler watches (Go's
 * reads `scheduled_tasks.*` only), so a paused schedule is never fired by anyone.
 */
export const PAUSED_SCHEDULE_KEY_PREFIX = "ajc_paused_schedules.";

export const ELECTIONS_BUCKET = "CHORIA_AJ_ELECTIONS";
export const ELECTIONS_DESCRIPTION = "Choria Async Jobs Leader Elections";
export const ELECTIONS_TTL_MS = 10_000;
export const SCHEDULER_ELECTION_KEY = "task_scheduler";

/** Our addition: idempotency keys of the HTTP API, shared by every server on the same NATS. */
export const IDEMPOTENCY_BUCKET = "AJC_IDEMPOTENCY";
export const IDEMPOTENCY_DESCRIPTION = "ajc HTTP API idempotency keys";
export const IDEMPOTENCY_TTL_MS = 10 * 60_000;

export const EVENTS_WILDCARD = "CHORIA_AJ.E.>";
export const taskStateEventSubject = (id: string) => `CHORIA_AJ.E.task_state.${id}`;
export const leaderEventSubject = (component: string) => `CHORIA_AJ.E.leader_election.${component}`;

/** Request-reply subject of a remote handler; the empty type is `catchall`. */
export const remoteHandlerSubject = (type: string) => `CHORIA_AJ.H.T.${type === "" ? "catchall" : type}`;

/** The kind of a work item; 0 is a task. */
export const WORK_ITEM_KIND_TASK = 0;

/**
 * Our addition: the wake-ups of delayed tasks. A definition on `AJC_DELAYED.S.<id>` carries a
 * `@at` schedule; when due, nats-server stores its body (the work item) on
 * `AJC_DELAYED.T.<queue>.<id>`, which the queue's stream sources under its own item subject.
 */
export const DELAYED_STREAM = "AJC_DELAYED";
export const DELAYED_SUBJECTS = "AJC_DELAYED.>";
export const DELAYED_DESCRIPTION = "ajc delayed task wake-ups";
export const DELAYED_TARGETS = "AJC_DELAYED.T.>";
export const delayedDefinitionSubject = (id: string) => `AJC_DELAYED.S.${id}`;
export const delayedTargetSubject = (queue: string, id: string) => `AJC_DELAYED.T.${queue}.${id}`;
