/**
 * The API server's Prometheus series (served at `/metrics` on `--monitor`, off by default), named
 * in the style of the asyncjobs metrics: namespace `choria_asyncjobs`, subsystem `http`,
 * `_count` for counters, `_time` for durations in seconds.
 *
 * Routes are labelled by their pattern (`/v1/tasks/{id}`), never the raw path, so the number of
 * series stays bounded whatever clients send; paths no route knows are `unmatched`.
 */
import { Registry } from "../metrics/prometheus.ts";

const n = (name: string) => `choria_asyncjobs_http_${name}`;

/** Upper bounds of the request-time buckets, in seconds: 1 ms to a minute (waits and streams). */
export const REQUEST_TIME_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/** The route label of a request whose path no route matched. */
export const UNMATCHED_ROUTE = "unmatched";

/** What is sampled at scrape time rather than counted as it happens. */
export interface LiveState {
  eventStreams(): number;
  waiters(): number;
  natsConnected(): boolean;
}

export class HttpMetrics {
  readonly registry = new Registry();
  readonly requests = this.registry.counter(
    n("request_count"),
    "The number of HTTP requests answered, by route pattern, method and status code",
    ["route", "method", "code"],
  );
  readonly requestTime = this.registry.histogram(
    n("request_time"),
    "How long HTTP requests took to answer, in seconds, by route pattern and method",
    ["route", "method"],
    REQUEST_TIME_BUCKETS,
  );
  readonly enqueued = this.registry.counter(
    n("enqueue_count"),
    "The number of tasks created through the API, by queue",
    ["queue"],
  );
  readonly replays = this.registry.counter(
    n("idempotent_replay_count"),
    "The number of task creates answered with the task an earlier request with the same Idempotency-Key made",
  );
  readonly rejected = this.registry.counter(
    n("rejected_count"),
    "The number of listings and event streams turned away with 429, by reason",
    ["reason"],
  );
  readonly streamEnds = this.registry.counter(
    n("event_stream_end_count"),
    "The number of event streams the server ended, by reason (slow_client, server_shutdown, storage_failed)",
    ["reason"],
  );
  readonly eventStreams = this.registry.gauge(
    n("event_streams"),
    "The number of open GET /v1/events streams",
  );
  readonly waiters = this.registry.gauge(
    n("waiters"),
    "The number of requests waiting (Prefer: wait) right now",
  );
  readonly natsConnected = this.registry.gauge(
    n("nats_connected"),
    "Whether the server is connected to NATS (1) or not (0)",
  );
  #live?: LiveState;

  constructor() {
    for (const reason of ["list_in_progress", "too_many_streams"]) this.rejected.touch({ reason });
    this.replays.touch({});
  }

  /** Where the gauges are read at each scrape. */
  sample(live: LiveState): void {
    this.#live = live;
  }

  /** Records one answered request. */
  request(route: string, method: string, status: number, ms: number): void {
    this.requests.inc({ route, method, code: String(status) });
    this.requestTime.observe({ route, method }, ms / 1000);
  }

  /** The body of a `/metrics` answer. */
  render(): string {
    if (this.#live) {
      this.eventStreams.set({}, this.#live.eventStreams());
      this.waiters.set({}, this.#live.waiters());
      this.natsConnected.set({}, this.#live.natsConnected() ? 1 : 0);
    }
    return this.registry.render();
  }
}
