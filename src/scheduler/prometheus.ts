/**
 * A minimal Prometheus registry: labelled counters and gauges rendered in the text exposition
 * format (0.0.4). The scheduler needs seven series; a dependency for that is not worth its weight.
 */

type LabelValues = Record<string, string>;

/** One metric family: a name, help text, its label names and a value per label combination. */
export class MetricFamily<L extends string = never> {
  readonly #values = new Map<string, { labels: LabelValues; value: number }>();

  constructor(
    readonly name: string,
    readonly help: string,
    readonly type: "counter" | "gauge",
    readonly labelNames: readonly L[],
  ) {}

  /** Adds `by` (default 1) to the series of `labels`. Counters only grow. */
  inc(labels: Record<L, string>, by = 1): void {
    if (this.type === "counter" && by < 0) throw new RangeError(`counter ${this.name} cannot decrease`);
    const s = this.#series(labels);
    s.value += by;
  }

  /** Sets the series of `labels` (gauges). */
  set(labels: Record<L, string>, value: number): void {
    if (this.type !== "gauge") throw new TypeError(`${this.name} is not a gauge`);
    this.#series(labels).value = value;
  }

  /** The current value of a series (0 when never touched). */
  get(labels: Record<L, string>): number {
    return this.#values.get(this.#key(labels))?.value ?? 0;
  }

  /** The family in the text format; a family with no series shows only its HELP and TYPE. */
  render(): string {
    const lines = [`# HELP ${this.name} ${escapeHelp(this.help)}`, `# TYPE ${this.name} ${this.type}`];
    for (const { labels, value } of this.#values.values()) {
      const names = Object.keys(labels);
      const l = names.length ? `{${names.map((n) => `${n}="${escapeLabel(labels[n]!)}"`).join(",")}}` : "";
      lines.push(`${this.name}${l} ${formatValue(value)}`);
    }
    return lines.join("\n");
  }

  #series(labels: Record<L, string>): { labels: LabelValues; value: number } {
    const key = this.#key(labels);
    let s = this.#values.get(key);
    if (!s) {
      const copy: LabelValues = {};
      for (const n of this.labelNames) copy[n] = String(labels[n]);
      s = { labels: copy, value: 0 };
      this.#values.set(key, s);
    }
    return s;
  }

  #key(labels: Record<L, string>): string {
    return JSON.stringify(this.labelNames.map((n) => labels[n]));
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

function escapeHelp(s: string): string {
  return s.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
}

function escapeLabel(s: string): string {
  return s.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');
}

function formatValue(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (v === Number.POSITIVE_INFINITY) return "+Inf";
  if (v === Number.NEGATIVE_INFINITY) return "-Inf";
  return String(v);
}
