/** The minimal Prometheus registry and its `/metrics` endpoint. */
import { expect, test } from "bun:test";
import { PROMETHEUS_CONTENT_TYPE, Registry, serveMetrics } from "../../src/metrics/prometheus.ts";

test("renders the text format with help and labels escaped", () => {
  const r = new Registry();
  const c = r.counter("x_total", "Things\nseen", ["kind"]);
  const g = r.gauge("y", "A level");
  c.inc({ kind: 'a"b\\c' });
  c.inc({ kind: 'a"b\\c' }, 2);
  g.set({}, 0.5);
  expect(r.render()).toBe(
    [
      "# HELP x_total Things\\nseen",
      "# TYPE x_total counter",
      'x_total{kind="a\\"b\\\\c"} 3',
      "# HELP y A level",
      "# TYPE y gauge",
      "y 0.5",
      "",
    ].join("\n"),
  );
  expect(c.get({ kind: 'a"b\\c' })).toBe(3);
  expect(c.get({ kind: "never" })).toBe(0);
});

test("labels render in declared order whatever the object's order", () => {
  const r = new Registry();
  const c = r.counter("z", "Z", ["b", "a"]);
  c.inc({ a: "1", b: "2" });
  c.inc({ b: "2", a: "1" });
  expect(r.render()).toContain('z{b="2",a="1"} 2\n');
});

test("gauges go both ways, summaries have _sum and _count, touch shows a series at 0", () => {
  const r = new Registry();
  const g = r.gauge("busy", "Busy");
  const s = r.summary("runtime", "Runtime", ["queue", "type"]);
  const c = r.counter("polls", "Polls", ["queue"]);
  const e = r.summary("empty", "Never observed");
  g.inc({}, 3);
  g.dec({});
  s.observe({ queue: "Q", type: "t" }, 0.25);
  s.observe({ queue: "Q", type: "t" }, 0.5);
  c.touch({ queue: "Q" });
  expect(e.get({})).toBe(0);
  expect(s.get({ queue: "Q", type: "t" })).toBe(0.75);
  expect(r.render()).toBe(
    [
      "# HELP busy Busy",
      "# TYPE busy gauge",
      "busy 2",
      "# HELP runtime Runtime",
      "# TYPE runtime summary",
      'runtime_sum{queue="Q",type="t"} 0.75',
      'runtime_count{queue="Q",type="t"} 2',
      "# HELP polls Polls",
      "# TYPE polls counter",
      'polls{queue="Q"} 0',
      "# HELP empty Never observed",
      "# TYPE empty summary",
      "",
    ].join("\n"),
  );
});

test("misuse is refused", () => {
  const r = new Registry();
  const c = r.counter("c", "C");
  const g = r.gauge("g", "G");
  const s = r.summary("s", "S");
  expect(() => c.inc({}, -1)).toThrow(RangeError);
  expect(() => c.dec({})).toThrow(TypeError);
  expect(() => c.set({}, 1)).toThrow(TypeError);
  expect(() => g.observe({}, 1)).toThrow(TypeError);
  expect(() => s.inc({})).toThrow(TypeError);
  expect(() => r.gauge("c", "again")).toThrow(/twice/);
  g.set({}, Number.POSITIVE_INFINITY);
  expect(r.render()).toContain("\ng +Inf\n");
});

test("serveMetrics serves GET /metrics and 404s everything else", async () => {
  const r = new Registry();
  r.counter("hits_total", "Hits").inc({});
  const server = await serveMetrics(r, { port: 0, host: "127.0.0.1" });
  try {
    const base = `http://127.0.0.1:${server.port}`;
    const res = await fetch(`${base}/metrics?x=1`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe(PROMETHEUS_CONTENT_TYPE);
    expect(await res.text()).toBe(r.render());
    expect((await fetch(`${base}/`)).status).toBe(404);
    expect((await fetch(`${base}/metrics`, { method: "POST" })).status).toBe(404);
  } finally {
    await server.close();
  }
  await expect(fetch(`http://127.0.0.1:${server.port}/metrics`)).rejects.toThrow();
});

test("serveMetrics listens on every interface by default and refuses a port in use", async () => {
  const server = await serveMetrics(new Registry(), { port: 0 });
  try {
    expect((await fetch(`http://127.0.0.1:${server.port}/metrics`)).status).toBe(200);
    await expect(serveMetrics(new Registry(), { port: server.port })).rejects.toThrow();
  } finally {
    await server.close();
  }
});

test("histograms render cumulative buckets, +Inf, _sum and _count", () => {
  const r = new Registry();
  const h = r.histogram("latency", "Latency", ["route"], [0.1, 1]);
  h.observe({ route: "/a" }, 0.05);
  h.observe({ route: "/a" }, 0.5);
  h.observe({ route: "/a" }, 7);
  expect(r.render()).toBe(
    [
      "# HELP latency Latency",
      "# TYPE latency histogram",
      'latency_bucket{route="/a",le="0.1"} 1',
      'latency_bucket{route="/a",le="1"} 2',
      'latency_bucket{route="/a",le="+Inf"} 3',
      'latency_sum{route="/a"} 7.55',
      'latency_count{route="/a"} 3',
      "",
    ].join("\n"),
  );
  expect(() => h.inc({ route: "/a" })).toThrow(TypeError);
  expect(() => r.histogram("bad", "Bad", [], [1, 1])).toThrow(RangeError);
});
