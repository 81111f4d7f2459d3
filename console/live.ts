/**
 * Live updates of a task listing: `GET /v1/events` (Server-Sent Events) reloads the listing when
 * a task it may show changes, and polling every 2 s takes over where the stream cannot be had (no
 * EventSource, a server or proxy that refuses or keeps failing the stream, the server's stream
 * limit reached). The pages see one interface either way.
 */

/** Something that calls `refresh` whenever the tasks may have changed, until stopped. */
export type LiveSource = (refresh: () => Promise<void>) => () => void;

/** How often polling reloads. */
export const POLL_MS = 2000;
/** At most one reload per this long while events keep coming (a burst is one reload). */
export const EVENT_RELOAD_MS = 250;
/** Stream failures in a row (without an event in between) after which polling takes over. */
export const STREAM_FAILURES = 3;

/** Reloads every `ms`, never two at once (a slow listing delays the next one). */
export function polling(ms: number = POLL_MS): LiveSource {
  return (refresh) => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tick = async () => {
      try {
        await refresh();
      } finally {
        if (!stopped) timer = setTimeout(tick, ms);
      }
    };
    timer = setTimeout(tick, ms);
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  };
}

/** Which tasks a listing shows: the stream carries only their events. */
export interface LiveFilter {
  queue?: string;
  type?: string;
}

/** What the console reports about the live source, for its label (and the browser test). */
export type LiveMode = "events" | "polling";

/**
 * Reloads on task events from `GET /v1/events?kind=task` (filtered to the listing's queue and
 * type), coalescing bursts into one reload per `EVENT_RELOAD_MS`, never two at once. Falls back
 * to `polling()` when EventSource is missing, or the stream fails `STREAM_FAILURES` times in a
 * row or is closed for good (a `429` or any answer that is not an event stream); `onMode` says
 * which is in use.
 */
export function events(filter: LiveFilter = {}, onMode: (m: LiveMode) => void = () => {}): LiveSource {
  return (refresh) => {
    if (typeof EventSource === "undefined") {
      onMode("polling");
      return polling()(refresh);
    }
    const q = new URLSearchParams({ kind: "task" });
    if (filter.queue) q.set("queue", filter.queue);
    if (filter.type) q.set("type", filter.type);
    let stopped = false;
    let fallback: (() => void) | undefined;
    let running = false;
    let again = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const reload = async () => {
      if (running) {
        again = true;
        return;
      }
      running = true;
      try {
        await refresh();
      } finally {
        running = false;
        if (again && !stopped) {
          again = false;
          schedule();
        }
      }
    };
    const schedule = () => {
      if (timer === undefined && !stopped) {
        timer = setTimeout(() => {
          timer = undefined;
          void reload();
        }, EVENT_RELOAD_MS);
      }
    };
    let failures = 0;
    const source = new EventSource(`/v1/events?${q}`);
    const toPolling = () => {
      source.close();
      if (stopped || fallback) return;
      onMode("polling");
      fallback = polling()(refresh);
    };
    source.addEventListener("open", () => {
      failures = 0;
      onMode("events");
      // Changes between the last load and the stream's start have no event: load once now.
      schedule();
    });
    source.addEventListener("task", () => {
      failures = 0;
      schedule();
    });
    source.addEventListener("error", () => {
      failures++;
      if (source.readyState === EventSource.CLOSED || failures >= STREAM_FAILURES) toPolling();
    });
    return () => {
      stopped = true;
      clearTimeout(timer);
      source.close();
      fallback?.();
    };
  };
}
