/** `ajc task watch`: prints lifecycle events as they happen, until interrupted. */
import type { LifecycleEvent } from "../../../client.ts";
import { defineCommand } from "../../command.ts";
import type { NatsFlags } from "../../config.ts";
import type { CliContext } from "../../context.ts";

interface WatchArgs extends NatsFlags {
  task?: string;
  json: boolean;
}

/** `HH:MM:SS` of an event's timestamp (RFC 3339 or Go's older unix nanoseconds), UTC. */
function clock(ts: unknown): string {
  const ms = typeof ts === "number" ? ts / 1_000_000 : typeof ts === "string" ? Date.parse(ts) : Number.NaN;
  return new Date(Number.isNaN(ms) ? Date.now() : ms).toISOString().slice(11, 19);
}

/** One event as a line, in the Go `ajc`'s format. */
export function eventLine(e: LifecycleEvent): string {
  const r = e as Record<string, unknown>;
  if (e.type === "io.choria.asyncjobs.v1.task_state") {
    const line = `[${clock(r.timestamp)}] ${r.task_id}: queue: ${r.queue ?? ""} type: ${r.task_type} tries: ${r.tries} state: ${r.state}`;
    return r.last_error ? `${line} error: ${r.last_error}` : line;
  }
  if (e.type === "io.choria.asyncjobs.v1.leader_elected") {
    return `[${clock(r.timestamp)}] ${r.name}: new ${r.component} leader`;
  }
  return `[${clock(r.timestamp)}] Unknown event type ${e.type}`;
}

/** The `ajc task watch` command. */
export function taskWatchCommand(ctx: CliContext) {
  return defineCommand<WatchArgs>(ctx, {
    command: "watch",
    describe: "Prints task lifecycle events as they happen, until interrupted",
    json: true,
    builder: (y) => y.option("task", { type: "string", describe: "only this task's events" }),
    connect: () => ({ connection: { reconnectForever: true } }),
    run: async ({ argv, client, stopOnSignal }) => {
      const stop = stopOnSignal();
      const events = client.watchEvents({ taskId: argv.task, signal: stop.signal })[Symbol.asyncIterator]();
      // Asking for the first event subscribes; only then is it true that we are watching.
      let next = events.next();
      ctx.io.err(`Watching ${argv.task ? `task ${argv.task}` : "all"} events, interrupt to stop`);
      for (let r = await next; !r.done; r = await next) {
        ctx.io.out(argv.json ? JSON.stringify(r.value.event) : eventLine(r.value.event));
        next = events.next();
      }
      return undefined;
    },
  });
}
