/**
 * The worker library: route tasks to handlers and process a queue from a Node or Bun service.
 *
 * ```ts
 * const router = new Router().handle("email:new", async (t) => sendEmail(t.json));
 * await runWorker(client, router, { queue: "EMAIL", concurrency: 10, signal: shutdownSignal() });
 * ```
 */
export { TerminateTaskError } from "../core/errors.ts";
export type { RetryPolicy } from "../core/retry.ts";
export { type MetricsServer, serveMetrics } from "../metrics/prometheus.ts";
export type { Handler, Middleware, TaskContext } from "./context.ts";
export { HandlerDeadlineError, WorkerStoppingError } from "./context.ts";
export {
  assertCommand,
  type CommandHandlerOptions,
  commandHandler,
  DEFAULT_MAX_OUTPUT_BYTES,
} from "./handlers/command.ts";
export { remoteHandler } from "./handlers/remote.ts";
export { WorkerMetrics } from "./metrics.ts";
export { logOutcome } from "./outcome-log.ts";
export type { TaskOutcome, WorkerLogger } from "./processor.ts";
export { type RoutedHandler, Router } from "./router.ts";
export {
  DEFAULT_STOP_GRACE_MS,
  DEFAULT_WORKER_CONCURRENCY,
  type DiscardableState,
  runWorker,
  shutdownSignal,
  type WorkerOptions,
} from "./worker.ts";
