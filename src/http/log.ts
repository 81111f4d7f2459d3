/** The HTTP server's request line, on the shared logger of `src/core/log.ts`. */
import type { Logger } from "../core/log.ts";

/** The one line per request: method, path (never the query string), status and duration. */
export function logRequest(log: Logger, method: string, path: string, status: number, ms: number): void {
  log.info("request", { method, path, status, duration_ms: Math.round(ms * 1000) / 1000 });
}
