/**
 * The worker's Prometheus metrics under the Go library's names (namespace `choria_asyncjobs`), so
 * existing dashboards work, and a `/metrics` endpoint in the text exposition format.
 *
 * The exposition is written here rather than with a client library: the Go library's metrics are
 * only counters, gauges and a summary without quantiles (`_sum` and `_count`), which takes a few
 * dozen lines, and keeps process-wide default registries (module-global state) out of the worker.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

type Kind = "counter" | "gauge" | "summary";

interface Sample {
  labels: string[];
  value: number;
  count: number;
}

/** One metric with its labelled samples. */
export class Metric {
  readonly #samples = new Map<string, Sample>();

  constructor(
    readonly name: string,
    readonly help: string,
    readonly kind: Kind,
    readonly labelNames: readonly string[],
  ) {}

  #sample(labels: string[]): Sample {
    const key = labels.join("\u0000");
    let s = this.#samples.get(key);
    if (!s) {
      s = { labels, value: 0, count: 0 };
      this.#samples.set(key, s);
    }
    return s;
  }

  /** Adds `n` (default 1) to a counter or gauge; label values in `labelNames` order. */
  inc(labels: string[] = [], n = 1): void {
    this.#sample(labels).value += n;
  }

  /** Subtracts from a gauge. */
  dec(labels: string[] = [], n = 1): void {
    this.#sample(labels).value -= n;
  }

  /** Records one observation of a summary. */
  observe(labels: string[], value: number): void {
    const s = this.#sample(labels);
    s.value += value;
    s.count++;
  }

  /** The current value (a summary's sum) for some labels; 0 when never set. */
  get(labels: string[] = []): number {
    return this.#samples.get(labels.join("\u0000"))?.value ?? 0;
  }

  /** Makes a sample exist (at 0), so dashboards see it before the first event. */
  touch(labels: string[] = []): void {
    this.#sample(labels);
  }

  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} ${this.kind}`];
    for (const s of this.#samples.values()) {
      const l = labelText(this.labelNames, s.labels);
      if (this.kind === "summary") {
        lines.push(`${this.name}_sum${l} ${s.value}`, `${this.name}_count${l} ${s.count}`);
      } else {
        lines.push(`${this.name}${l} ${s.value}`);
      }
    }
    return lines.join("\n");
  }
}

function escapeLabel(v: string): string {
  return v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

function labelText(names: readonly string[], values: string[]): string {
  if (names.length === 0) return "";
  return `{${names.map((n, i) => `${n}="${escapeLabel(values[i] ?? "")}"`).join(",")}}`;
}

/** A set of metrics rendered together. */
export class MetricsRegistry {
  readonly #metrics: Metric[] = [];

  add(name: string, help: string, kind: Kind, labelNames: readonly string[] = []): Metric {
    const m = new Metric(name, help, kind, labelNames);
    this.#metrics.push(m);
    return m;
  }

  /** The Prometheus text exposition (format 0.0.4). */
  render(): string {
    return `${this.#metrics.map((m) => m.render()).join("\n")}\n`;
  }
}

const NS = "choria_asyncjobs";

/** The worker metrics of the Go library, with its names, help texts and labels. */
export class WorkerMetrics {
  readonly registry = new MetricsRegistry();
  readonly itemCorrupt = this.#add(
    "queue_item_corrupt_error_count",
    "The number of work queue process items that were corrupt",
    "counter",
    ["queue"],
  );
  readonly taskNotFound = this.#add(
    "queue_task_not_found_error_count",
    "The number of work queue process items that referenced tasks that could not be found",
    "counter",
    ["queue"],
  );
  readonly pastDeadline = this.#add(
    "queue_task_past_deadline_count",
    "The number of work queue process items that referenced tasks past their deadline",
    "counter",
    ["queue"],
  );
  readonly pastMaxTries = this.#add(
    "queue_task_past_max_tries_count",
    "The number of work queue process items that referenced tasks past their maximum try limit",
    "counter",
    ["queue"],
  );
  readonly poll = this.#add(
    "queue_poll_total",
    "The number of times a specific queue was polled",
    "counter",
    ["queue"],
  );
  readonly pollError = this.#add(
    "queue_poll_error_total",
    "The number of times a specific queue poll failed",
    "counter",
    ["queue"],
  );
  readonly taskUpdate = this.#add(
    "task_update_total",
    "The number of task updates that succeeded",
    "counter",
    ["state"],
  );
  readonly taskUpdateError = this.#add(
    "task_update_error_total",
    "The number of task updates that failed",
    "counter",
  );
  readonly dependenciesFailed = this.#add(
    "task_dependencies_failed",
    "The number of tasks that failed because their dependencies had errors",
    "counter",
  );
  readonly busy = this.#add("handler_busy_count", "The number busy handlers", "gauge");
  readonly handlerError = this.#add(
    "handler_error_total",
    "The number of times a task handler returned an error",
    "counter",
    ["queue", "type"],
  );
  readonly handlerRuntime = this.#add("handler_runtime", "Time taken to handle a task", "summary", [
    "queue",
    "type",
  ]);

  #add(name: string, help: string, kind: Kind, labels: readonly string[] = []): Metric {
    return this.registry.add(`${NS}_${name}`, help, kind, labels);
  }

  /** Shows the queue's and the label-less series at 0 from the start. */
  touchQueue(queue: string): void {
    for (const m of [
      this.itemCorrupt,
      this.taskNotFound,
      this.pastDeadline,
      this.pastMaxTries,
      this.poll,
      this.pollError,
    ]) {
      m.touch([queue]);
    }
    for (const m of [this.taskUpdateError, this.dependenciesFailed, this.busy]) m.touch();
  }
}

/** A running `/metrics` endpoint. */
export interface MetricsServer {
  /** The port it listens on (useful when 0 was asked for). */
  port: number;
  close(): Promise<void>;
}

/**
 * Serves `registry` at `/metrics` on `port` (all interfaces, as the Go library does, unless
 * `host` is given). Other paths are 404.
 */
export function serveMetrics(registry: MetricsRegistry, port: number, host?: string): Promise<MetricsServer> {
  const server: Server = createServer((req, res) => {
    if (req.method !== "GET" || (req.url ?? "").split("?")[0] !== "/metrics") {
      res.writeHead(404, { "Content-Type": "text/plain" }).end("not found\n");
      return;
    }
    res.writeHead(200, { "Content-Type": "text/plain; version=0.0.4; charset=utf-8" }).end(registry.render());
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve({
        port: (server.address() as AddressInfo).port,
        close: () => new Promise<void>((r) => server.close(() => r())),
      });
    });
  });
}
