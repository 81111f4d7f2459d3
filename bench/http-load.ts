/**
 * Part 2, the product under HTTP load: wrk against `ajc server run` (POST /v1/tasks at each
 * connection count, then GET /v1/tasks/{id}), with the server's CPU and memory from /proc, the
 * statuses it logged, and the NATS messages it exchanged per request from the monitoring endpoint.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { connCounters } from "./nats.ts";
import { cpuSeconds, PhaseMeter } from "./proc-stats.ts";
import { tempDir } from "./procs.ts";
import type { AjcServer } from "./server.ts";
import { round } from "./stats.ts";
import { runWrk } from "./wrk.ts";

/** The connection name `ajc server run` gives its NATS connection. */
const SERVER_CONN_NAME = "ajc server";

export interface HttpRow {
  route: "POST /v1/tasks" | "GET /v1/tasks/{id}";
  connections: number;
  seconds: number;
  requests: number;
  perSecond: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  p999Ms: number;
  maxMs: number;
  /** wrk: responses with status >= 400. */
  statusErrors: number;
  /** wrk: connect, read, write errors and timeouts. */
  socketErrors: number;
  /** Responses the server logged with a status outside 2xx. */
  non2xxLogged: number;
  /** Every status the server logged during the run. */
  statuses: Record<string, number>;
  peakRssMB: number;
  cpuSecondsPer1k: number;
  /** nats-server's CPU per 1,000 requests. */
  natsCpuSecondsPer1k: number;
  /** Messages the server sent to NATS per request (publishes, API requests, acks...). */
  natsInPerRequest: number;
  /** Messages NATS delivered to the server per request (acks, replies). */
  natsOutPerRequest: number;
}

export interface HttpOptions {
  wrkPath: string;
  server: AjcServer;
  monitorUrl: string;
  natsPid: number;
  seconds: number;
  warmupSeconds: number;
  postConnections: number[];
  getConnections: number;
  /** Ids of stored tasks for the GET run. */
  ids: string[];
}

async function measure(
  o: HttpOptions,
  route: HttpRow["route"],
  connections: number,
  run: () => ReturnType<typeof runWrk>,
): Promise<HttpRow> {
  const offset = o.server.logOffset();
  const c0 = await connCounters(o.monitorUrl, SERVER_CONN_NAME);
  const meter = new PhaseMeter(o.server.pid);
  const natsCpu0 = cpuSeconds(o.natsPid) ?? 0;
  const w = await run();
  const phase = meter.stop();
  const natsCpu = (cpuSeconds(o.natsPid) ?? natsCpu0) - natsCpu0;
  const c1 = await connCounters(o.monitorUrl, SERVER_CONN_NAME);
  // Let the last log lines reach the file.
  await Bun.sleep(200);
  const statuses = o.server.statuses(offset);
  const non2xxLogged = Object.entries(statuses)
    .filter(([s]) => !s.startsWith("2"))
    .reduce((n, [, v]) => n + v, 0);
  const seconds = w.duration_us / 1e6;
  const perReq = (n: number) => (w.requests > 0 ? round(n / w.requests, 2) : 0);
  return {
    route,
    connections,
    seconds: round(seconds, 2),
    requests: w.requests,
    perSecond: round(w.requests / seconds, 0),
    p50Ms: round(w.p50_us / 1000, 3),
    p90Ms: round(w.p90_us / 1000, 3),
    p99Ms: round(w.p99_us / 1000, 3),
    p999Ms: round(w.p999_us / 1000, 3),
    maxMs: round(w.max_us / 1000, 3),
    statusErrors: w.status_errors,
    socketErrors: w.connect_errors + w.read_errors + w.write_errors + w.timeouts,
    non2xxLogged,
    statuses,
    peakRssMB: round(phase.peakRssMB, 1),
    cpuSecondsPer1k: w.requests > 0 ? round((phase.cpuSeconds / w.requests) * 1000, 3) : 0,
    natsCpuSecondsPer1k: w.requests > 0 ? round((natsCpu / w.requests) * 1000, 3) : 0,
    natsInPerRequest: perReq(c1.inMsgs - c0.inMsgs),
    natsOutPerRequest: perReq(c1.outMsgs - c0.outMsgs),
  };
}

export async function runHttp(o: HttpOptions): Promise<{ warmup: HttpRow; rows: HttpRow[] }> {
  const url = `${o.server.base}/v1/tasks`;
  const warmup = await measure(o, "POST /v1/tasks", 16, () =>
    runWrk(o.wrkPath, "post", url, 16, o.warmupSeconds),
  );
  const rows: HttpRow[] = [];
  for (const c of o.postConnections) {
    rows.push(await measure(o, "POST /v1/tasks", c, () => runWrk(o.wrkPath, "post", url, c, o.seconds)));
  }
  const idsFile = join(tempDir("ids"), "ids.txt");
  writeFileSync(idsFile, `${o.ids.join("\n")}\n`);
  rows.push(
    await measure(o, "GET /v1/tasks/{id}", o.getConnections, () =>
      runWrk(o.wrkPath, "get", o.server.base, o.getConnections, o.seconds, [idsFile]),
    ),
  );
  return { warmup, rows };
}
