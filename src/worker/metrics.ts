/**
 * The worker's Prometheus metrics under the Go library's names (namespace `choria_asyncjobs`), so
 * existing dashboards work. Serve them with `serveMetrics(metrics.registry, { port })`.
 */
import { type MetricFamily, Registry } from "../metrics/prometheus.ts";

const n = (name: string) => `choria_asyncjobs_${name}`;

/** The worker metrics of the Go library, with its names, help texts and labels. */
export class WorkerMetrics {
  readonly registry = new Registry();
  readonly itemCorrupt = this.registry.counter(
    n("queue_item_corrupt_error_count"),
    "The number of work queue process items that were corrupt",
    ["queue"],
  );
  readonly taskNotFound = this.registry.counter(
    n("queue_task_not_found_error_count"),
    "The number of work queue process items that referenced tasks that could not be found",
    ["queue"],
  );
  readonly pastDeadline = this.registry.counter(
    n("queue_task_past_deadline_count"),
    "The number of work queue process items that referenced tasks past their deadline",
    ["queue"],
  );
  readonly pastMaxTries = this.registry.counter(
    n("queue_task_past_max_tries_count"),
    "The number of work queue process items that referenced tasks past their maximum try limit",
    ["queue"],
  );
  readonly poll = this.registry.counter(
    n("queue_poll_total"),
    "The number of times a specific queue was polled",
    ["queue"],
  );
  readonly pollError = this.registry.counter(
    n("queue_poll_error_total"),
    "The number of times a specific queue poll failed",
    ["queue"],
  );
  readonly taskUpdate = this.registry.counter(
    n("task_update_total"),
    "The number of task updates that succeeded",
    ["state"],
  );
  readonly taskUpdateError = this.registry.counter(
    n("task_update_error_total"),
    "The number of task updates that failed",
  );
  readonly dependenciesFailed = this.registry.counter(
    n("task_dependencies_failed"),
    "The number of tasks that failed because their dependencies had errors",
  );
  readonly busy = this.registry.gauge(n("handler_busy_count"), "The number busy handlers");
  readonly handlerError = this.registry.counter(
    n("handler_error_total"),
    "The number of times a task handler returned an error",
    ["queue", "type"],
  );
  readonly handlerRuntime = this.registry.summary(n("handler_runtime"), "Time taken to handle a task", [
    "queue",
    "type",
  ]);

  /** Shows the queue's and the label-less series at 0 from the start. */
  touchQueue(queue: string): void {
    const perQueue: MetricFamily<"queue">[] = [
      this.itemCorrupt,
      this.taskNotFound,
      this.pastDeadline,
      this.pastMaxTries,
      this.poll,
      this.pollError,
    ];
    for (const m of perQueue) m.touch({ queue });
    for (const m of [this.taskUpdateError, this.dependenciesFailed, this.busy]) m.touch({});
  }
}
