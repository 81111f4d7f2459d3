/**
 * A minimal Prometheus registry and `/metrics` endpoint: labelled counters, gauges, summaries and
 * histograms rendered in the text exposition format (0.0.4).
 *
 * Written here rather than taken from a client library: the Go library's metrics are only counters,
 * gauges and summaries without quantiles (`_sum` and `_count`), which take a few dozen lines, and
 * this keeps process-wide default registries (module-global state) out of the worker and scheduler.
 * A leaf layer: it imports nothing from the rest of ajc.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

/** The kinds of metric the registry renders. */
export type MetricType = "counter" | "gauge" | "summary" | "histogram";

/** The label values of one series, keyed by label name. */
export type Labels<L extends string> = Record<L, string>;

interface Series {
  labels: Record<string, string>;
  value: number;
  count: number;
  /** Histograms: observations per bucket (not cumulative), one slot per upper bound. */
  buckets?: number[];
}

/** One metric family: a name, help text, its label names and a series per label combination. */
export class MetricFamily<L extends string = never> {
  readonly #series = new Map<string, Series>();

  constructor(
    readonly name: string,
    readonly help: string,
    readonly type: MetricType,
    readonly labelNames: readonly L[],
    /** Histograms: the buckets' upper bounds, ascending (`+Inf` is implied). */
    readonly bounds: readonly number[] = [],
  ) {}

  /** Adds `by` (default 1) to the series of `labels`. Counters only grow. */
  inc(labels: Labels<L>, by = 1): void {
    if (this.type === "summary" || this.type === "histogram")
      throw new TypeError(`${this.name} is a ${this.type}: observe it`);
    if (this.type === "counter" && by < 0) throw new RangeError(`counter ${this.name} cannot decrease`);
    this.#get(labels).value += by;
  }

  /** Subtracts `by` (default 1) from the series of `labels` (gauges). */
  dec(labels: Labels<L>, by = 1): void {
    this.#only("gauge");
    this.#get(labels).value -= by;
  }

  /** Sets the series of `labels` (gauges). */
  set(labels: Labels<L>, value: number): void {
    this.#only("gauge");
    this.#get(labels).value = value;
  }

  /**
   * Records one observation in the series of `labels`: adds to `_sum` and `_count`, and for a
   * histogram to the first bucket whose bound is at least `value`.
   */
  observe(labels: Labels<L>, value: number): void {
    if (this.type !== "summary" && this.type !== "histogram")
      throw new TypeError(`${this.name} is not a summary or histogram`);
    const s = this.#get(labels);
    s.value += value;
    s.count++;
    if (s.buckets) {
      const i = this.bounds.findIndex((b) => value <= b);
      if (i >= 0) s.buckets[i]!++;
    }
  }

  /** The current value of a series (a summary's sum); 0 when never touched. */
  get(labels: Labels<L>): number {
    return this.#series.get(this.#key(labels))?.value ?? 0;
  }

  /** Makes the series of `labels` exist (at 0), so dashboards see it before the first event. */
  touch(labels: Labels<L>): void {
    this.#get(labels);
  }

  /** The family in the text format; a family with no series shows only its HELP and TYPE. */
  render(): string {
    const lines = [`# HELP ${this.name} ${escapeHelp(this.help)}`, `# TYPE ${this.name} ${this.type}`];
    for (const s of this.#series.values()) {
      const l = labelText(s.labels);
      if (this.type === "histogram") {
        let cumulative = 0;
        this.bounds.forEach((b, i) => {
          cumulative += s.buckets![i]!;
          lines.push(`${this.name}_bucket${labelText({ ...s.labels, le: formatValue(b) })} ${cumulative}`);
        });
        lines.push(`${this.name}_bucket${labelText({ ...s.labels, le: "+Inf" })} ${s.count}`);
        lines.push(`${this.name}_sum${l} ${formatValue(s.value)}`, `${this.name}_count${l} ${s.count}`);
      } else if (this.type === "summary") {
        lines.push(`${this.name}_sum${l} ${formatValue(s.value)}`, `${this.name}_count${l} ${s.count}`);
      } else {
        lines.push(`${this.name}${l} ${formatValue(s.value)}`);
      }
    }
    return lines.join("\n");
  }

  #only(type: MetricType): void {
    if (this.type !== type) throw new TypeError(`${this.name} is not a ${type}`);
  }

  #get(labels: Labels<L>): Series {
    const key = this.#key(labels);
    let s = this.#series.get(key);
    if (!s) {
      const copy: Record<string, string> = {};
      for (const n of this.labelNames) copy[n] = String(labels[n] ?? "");
      s = { labels: copy, value: 0, count: 0 };
      if (this.type === "histogram") s.buckets = this.bounds.map(() => 0);
      this.#series.set(key, s);
    }
    return s;
  }

  #key(labels: Labels<L>): string {
    return JSON.stringify(this.labelNames.map((n) => labels[n] ?? ""));
  }
}

/** A set of families rendered together for `/metrics`. */
export class Registry {
  readonly #families: MetricFamily<string>[] = [];

  counter<L extends string = never>(
    name: string,
    help: string,
    labelNames: readonly L[] = [],
  ): MetricFamily<L> {
    return this.#add(new MetricFamily<L>(name, help, "counter", labelNames));
  }

  gauge<L extends string = never>(
    name: string,
    help: string,
    labelNames: readonly L[] = [],
  ): MetricFamily<L> {
    return this.#add(new MetricFamily<L>(name, help, "gauge", labelNames));
  }

  /** A summary without quantiles (as Go's without objectives): `_sum` and `_count` per series. */
  summary<L extends string = never>(
    name: string,
    help: string,
    labelNames: readonly L[] = [],
  ): MetricFamily<L> {
    return this.#add(new MetricFamily<L>(name, help, "summary", labelNames));
  }

  /** A histogram with buckets of upper bounds `bounds` (ascending; `+Inf` is added). */
  histogram<L extends string = never>(
    name: string,
    help: string,
    labelNames: readonly L[],
    bounds: readonly number[],
  ): MetricFamily<L> {
    if (bounds.some((b, i) => i > 0 && b <= bounds[i - 1]!))
      throw new RangeError(`${name}: bounds must ascend`);
    return this.#add(new MetricFamily<L>(name, help, "histogram", labelNames, bounds));
  }

  /** Every family, in registration order, as the body of a `/metrics` response. */
  render(): string {
    return `${this.#families.map((f) => f.render()).join("\n")}\n`;
  }

  #add<L extends string>(f: MetricFamily<L>): MetricFamily<L> {
    if (this.#families.some((x) => x.name === f.name)) throw new Error(`metric ${f.name} registered twice`);
    this.#families.push(f as unknown as MetricFamily<string>);
    return f;
  }
}

/** The content type of the text exposition format. */
export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

/** A running `/metrics` endpoint. */
export interface MetricsServer {
  /** The port it listens on (useful when 0 was asked for). */
  port: number;
  /** Stops listening and drops open connections. */
  close(): Promise<void>;
}

/**
 * Serves `registry` at `GET /metrics` on `port`, on every interface (as the Go library does) unless
 * `host` is given. Everything else is 404.
 */
export function serveMetrics(
  registry: Pick<Registry, "render">,
  at: { port: number; host?: string },
): Promise<MetricsServer> {
  const server = createServer((req, res) => {
    if (req.method !== "GET" || (req.url ?? "").split("?")[0] !== "/metrics") {
      res.writeHead(404, { "Content-Type": "text/plain" }).end("not found\n");
      return;
    }
    res.writeHead(200, { "Content-Type": PROMETHEUS_CONTENT_TYPE }).end(registry.render());
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(at.port, at.host, () => {
      server.off("error", reject);
      resolve({
        port: (server.address() as AddressInfo).port,
        close: () =>
          new Promise<void>((r) => {
            server.close(() => r());
            server.closeAllConnections();
          }),
      });
    });
  });
}

function escapeHelp(s: string): string {
  return s.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
}

function escapeLabel(s: string): string {
  return s.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');
}

function labelText(labels: Record<string, string>): string {
  const names = Object.keys(labels);
  return names.length ? `{${names.map((n) => `${n}="${escapeLabel(labels[n]!)}"`).join(",")}}` : "";
}

function formatValue(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (v === Number.POSITIVE_INFINITY) return "+Inf";
  if (v === Number.NEGATIVE_INFINITY) return "-Inf";
  return String(v);
}
