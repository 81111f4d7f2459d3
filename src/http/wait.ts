/**
 * `Prefer: wait=N` (RFC 7240) on task reads and creates: the answer is held until the task is in
 * an end state or N seconds (capped by the server) have passed.
 *
 * One shared subscription to the lifecycle events serves every waiter: a `task_state` event of
 * a waited-for task wakes its waiters, which then reload the task. Core NATS events can be
 * missed (they are best effort), so each waiter also reloads on a slow timer, and once right
 * after it registered (a change between the first read and the registration has no event left
 * to see). A waiter whose client disconnects is dropped at once: nothing of it is left behind.
 */
import type { Client } from "../client.ts";
import { isEndState, type Task } from "../core/task.ts";

/** The longest wait a client may ask for by default (`--max-wait`). */
export const DEFAULT_MAX_WAIT_MS = 60_000;
/** How often a waiter reloads its task even without an event. */
export const WAIT_RELOAD_MS = 2_000;

/**
 * The `wait` preference of a `Prefer` header in whole seconds, or undefined when there is none
 * (or it is malformed: an unsupported or unreadable preference is ignored, as RFC 7240 says).
 */
export function preferredWaitSeconds(header: string | string[] | undefined): number | undefined {
  if (header === undefined) return undefined;
  const text = Array.isArray(header) ? header.join(",") : header;
  for (const pref of text.split(",")) {
    const [token = ""] = pref.split(";");
    const eq = token.indexOf("=");
    if (eq < 0 || token.slice(0, eq).trim().toLowerCase() !== "wait") continue;
    const value = token
      .slice(eq + 1)
      .trim()
      .replace(/^"(.*)"$/, "$1");
    if (/^\d{1,9}$/.test(value)) return Number(value);
  }
  return undefined;
}

/** Waits for tasks to end, for any number of requests, over one event subscription. */
export class TaskWaiters {
  readonly #byTask = new Map<string, Set<() => void>>();
  #subscribed = false;
  #waiting = 0;

  constructor(
    private readonly client: Client,
    private readonly reloadMs = WAIT_RELOAD_MS,
  ) {}

  /** Requests waiting right now. */
  get waiting(): number {
    return this.#waiting;
  }

  /**
   * Resolves with the task once it is in an end state, or as it is when `ms` have passed or
   * `signal` aborts (the client left). `task` is the task as last read.
   */
  async wait(task: Task, ms: number, signal: AbortSignal): Promise<Task> {
    if (isEndState(task.state) || ms <= 0 || signal.aborted) return task;
    this.#subscribe();
    const id = task.id;
    let wake: () => void = () => {};
    // Set by an event that arrives while the task is being reloaded: reload again, do not sleep.
    let dirty = false;
    const poke = () => {
      dirty = true;
      wake();
    };
    let set = this.#byTask.get(id);
    if (!set) {
      set = new Set();
      this.#byTask.set(id, set);
    }
    set.add(poke);
    this.#waiting++;
    const end = performance.now() + ms;
    signal.addEventListener("abort", poke, { once: true });
    let current = task;
    try {
      for (;;) {
        dirty = false;
        current = await this.client.loadTask(id).catch(() => current);
        if (isEndState(current.state) || signal.aborted) return current;
        const left = end - performance.now();
        if (left <= 0) return current;
        if (dirty) continue;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, Math.min(left, this.reloadMs));
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
    } finally {
      signal.removeEventListener("abort", poke);
      set.delete(poke);
      if (set.size === 0) this.#byTask.delete(id);
      this.#waiting--;
    }
  }

  #subscribe(): void {
    if (this.#subscribed) return;
    this.#subscribed = true;
    void (async () => {
      try {
        for await (const { event } of this.client.watchEvents()) {
          const id = (event as { task_id?: unknown }).task_id;
          if (typeof id !== "string") continue;
          for (const poke of this.#byTask.get(id) ?? []) poke();
        }
      } catch {
        // the connection closed: waiters still reload on their timers
      } finally {
        this.#subscribed = false;
      }
    })();
  }
}
