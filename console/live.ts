/**
 * Live updates of a task listing. Today this polls the listing; once the API has an event stream
 * (`GET /v1/events`), a source that reloads on task events can take its place behind the same
 * interface, and the pages do not change.
 */

/** Something that calls `refresh` whenever the tasks may have changed, until stopped. */
export type LiveSource = (refresh: () => Promise<void>) => () => void;

/** How often polling reloads. */
export const POLL_MS = 2000;

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
