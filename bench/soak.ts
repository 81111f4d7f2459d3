/**
 * The soak (`npm run bench -- --soak[=MINUTES]`): our server under constant load (wrk, 16
 * connections, `POST /v1/tasks`) for MINUTES, its RSS sampled every second. The store is capped
 * (the task stream keeps its newest `STORE_CAP` messages, the queue as many items, oldest dropped)
 * so that nats-server's own work stays the same from the first minute to the last, while the
 * server keeps seeing new task ids: memory that grew with the tasks it has handled shows as a
 * trend. "Flat" compares the median RSS of the last minute with that of the second (the first is
 * the warm-up).
 */
import { DiscardPolicy, type JetStreamManager, jetstreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/nats-core";
import { defaultQueue } from "../src/core/queue.ts";
import { queueStream, TASKS_STREAM } from "../src/store/subjects.ts";
import type { BenchNats } from "./nats.ts";
import { memory } from "./proc-stats.ts";
import { startServer } from "./server.ts";
import { median, round } from "./stats.ts";
import { runWrk } from "./wrk.ts";

/** Messages the soak's task stream and queue keep. */
export const STORE_CAP = 200_000;
/** Connections of the constant load. */
export const SOAK_CONNECTIONS = 16;
/** Length of one wrk run; runs follow one another without a pause. */
const SLICE_SECONDS = 30;

export interface SoakSlice {
  atSeconds: number;
  requests: number;
  perSecond: number;
  p99Ms: number;
  p999Ms: number;
  errors: number;
}

export interface SoakResult {
  minutes: number;
  connections: number;
  storeCap: number;
  idleRssMB: number;
  /** Median RSS of each minute. */
  minuteRssMB: number[];
  minRssMB: number;
  maxRssMB: number;
  /** Median of the last minute / median of the second. */
  trend: number;
  slices: SoakSlice[];
  requests: number;
  errors: number;
}

async function cap(jsm: JetStreamManager, stream: string): Promise<void> {
  const info = await jsm.streams.info(stream);
  await jsm.streams.update(stream, { ...info.config, max_msgs: STORE_CAP });
}

export async function runSoak(o: {
  wrkPath: string;
  nats: BenchNats;
  nc: NatsConnection;
  queue: string;
  cmd: string[];
  minutes: number;
  log: (msg: string) => void;
}): Promise<SoakResult> {
  const jsm = await jetstreamManager(o.nc);
  await jsm.streams.purge(TASKS_STREAM);
  await jsm.streams.purge(queueStream(o.queue));
  await cap(jsm, TASKS_STREAM);
  // Oldest items make room, so a full queue never refuses an enqueue.
  const q = defaultQueue(o.queue);
  const qi = await jsm.streams.info(queueStream(q.name));
  await jsm.streams.update(queueStream(q.name), {
    ...qi.config,
    max_msgs: STORE_CAP,
    discard: DiscardPolicy.Old,
  });

  const server = await startServer(o.cmd, o.nats.url, o.queue);
  const samples: { t: number; rss: number }[] = [];
  const t0 = performance.now();
  try {
    await Bun.sleep(1_000);
    const idleRssMB = round(memory(server.pid)?.rssMB ?? 0, 1);
    const sampler = setInterval(() => {
      const m = memory(server.pid);
      if (m) samples.push({ t: (performance.now() - t0) / 1000, rss: m.rssMB });
    }, 1_000);
    const slices: SoakSlice[] = [];
    const end = t0 + o.minutes * 60_000;
    try {
      while (performance.now() < end - 1_000) {
        const secs = Math.max(1, Math.min(SLICE_SECONDS, Math.round((end - performance.now()) / 1000)));
        const w = await runWrk(o.wrkPath, "post", `${server.base}/v1/tasks`, SOAK_CONNECTIONS, secs);
        const s: SoakSlice = {
          atSeconds: round((performance.now() - t0) / 1000, 0),
          requests: w.requests,
          perSecond: round(w.requests / (w.duration_us / 1e6), 0),
          p99Ms: round(w.p99_us / 1000, 2),
          p999Ms: round(w.p999_us / 1000, 2),
          errors: w.status_errors + w.connect_errors + w.read_errors + w.write_errors + w.timeouts,
        };
        slices.push(s);
        o.log(
          `  soak ${s.atSeconds}s: ${s.perSecond}/s p99 ${s.p99Ms} ms p99.9 ${s.p999Ms} ms, RSS ${round(samples.at(-1)?.rss ?? 0, 1)} MB`,
        );
      }
    } finally {
      clearInterval(sampler);
    }
    const minutes = Math.max(1, Math.ceil(o.minutes));
    const minuteRssMB: number[] = [];
    for (let m = 0; m < minutes; m++) {
      const inMinute = samples.filter((x) => x.t >= m * 60 && x.t < (m + 1) * 60).map((x) => x.rss);
      if (inMinute.length > 0) minuteRssMB.push(round(median(inMinute), 1));
    }
    const all = samples.map((x) => x.rss);
    const second = minuteRssMB[Math.min(1, minuteRssMB.length - 1)] ?? 0;
    const last = minuteRssMB.at(-1) ?? 0;
    return {
      minutes: o.minutes,
      connections: SOAK_CONNECTIONS,
      storeCap: STORE_CAP,
      idleRssMB,
      minuteRssMB,
      minRssMB: round(Math.min(...all), 1),
      maxRssMB: round(Math.max(...all), 1),
      trend: second > 0 ? round(last / second, 3) : 0,
      slices,
      requests: slices.reduce((n, s) => n + s.requests, 0),
      errors: slices.reduce((n, s) => n + s.errors, 0),
    };
  } finally {
    await server.close();
  }
}
