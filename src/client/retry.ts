/**
 * A retry by hand: a fresh start for a task that ended (or waits), into its own queue. The new
 * work item replaces any old one.
 */
import { AjcError } from "../core/errors.ts";
import type { Task } from "../core/task.ts";
import { timeMs } from "../core/time.ts";
import { type Enqueuing, enqueueTask } from "./enqueue.ts";

/**
 * Enqueues the loaded `task` again: state `retry`, result cleared, tries counted from 0 (so a task
 * that expired on max tries runs again). An active task is refused, and so is one past its
 * deadline (it could only expire again). A task waiting for its `run_at` runs now: its wake-up is
 * removed first, so it cannot enqueue the task a second time.
 */
export async function retryTask(c: Enqueuing, task: Task): Promise<Task> {
  const id = task.id;
  if (task.state === "active") {
    throw new AjcError("task_already_active", `task ${id} is active, it cannot be retried now`);
  }
  if (!task.queue) throw new AjcError("queue_name_required", `task ${id} has no queue to retry into`);
  if (task.deadline && timeMs(task.deadline) < c.now()) {
    throw new AjcError(
      "task_past_deadline",
      `task ${id} is past its deadline ${task.deadline}: it would expire again without running; enqueue a new task instead`,
    );
  }
  if (task.run_at) {
    await c.storage.delayed.cancel(id, true);
    delete task.run_at;
  }
  task.state = "retry";
  task.tries = 0;
  delete task.result;
  return enqueueTask(c, task, task.queue);
}
