/**
 * Part 1, the ceiling: the NATS work of one enqueue done straight with the NATS library, no HTTP:
 * save the task with `Nats-Expected-Last-Subject-Sequence: 0`, publish its state-change event
 * (core NATS, as the product does), publish the work item with the task id as message id; both
 * JetStream publishes awaited for their acks. For comparison the same through ajc's own client
 * facade (`Client.enqueue`, what the HTTP handler calls), still without HTTP.
 */
import { jetstream } from "@nats-io/jetstream";
import { ulid } from "ulid";
import { Client } from "../src/client.ts";
import { taskStateEvent } from "../src/core/events.ts";
import { encodeTask } from "../src/core/task.ts";
import { formatTimeMs } from "../src/core/time.ts";
import { taskStateEventSubject, taskSubject, workItemSubject } from "../src/store/subjects.ts";
import { closedLoop, type LoadResult } from "./load.ts";
import { connectRaw } from "./nats.ts";
import { cpuSeconds } from "./proc-stats.ts";
import { round } from "./stats.ts";
import { BENCH_PAYLOAD, BENCH_TYPE, benchTask, workItem } from "./tasks.ts";

export interface CeilingResult {
  /** `nats`: the raw library; `client`: ajc's Client.enqueue. */
  via: "nats" | "client";
  load: LoadResult;
  /** nats-server's CPU per 1,000 enqueues. */
  natsCpuSecondsPer1k: number;
}

const encoder = new TextEncoder();

/** A connected ceiling runner: measure either way as often as needed, then close. */
export interface Ceiling {
  measure(via: CeilingResult["via"], inflight: number, durationMs: number): Promise<CeilingResult>;
  close(): Promise<void>;
}

export async function openCeiling(natsUrl: string, natsPid: number, queue: string): Promise<Ceiling> {
  const nc = await connectRaw(natsUrl, "bench ceiling");
  const js = jetstream(nc, { timeout: 5_000 });
  const client = await Client.connect({ connection: { servers: natsUrl, name: "bench client" } });
  const raw = async () => {
    const t = benchTask(queue);
    const ack = await js.publish(taskSubject(t.id), encoder.encode(encodeTask(t)), {
      expect: { lastSubjectSequence: 0 },
    });
    if (ack.duplicate) throw new Error("task save acknowledged as duplicate");
    const nowMs = Date.now();
    const event = taskStateEvent(t, ulid(nowMs), nowMs, formatTimeMs(nowMs));
    nc.publish(taskStateEventSubject(t.id), JSON.stringify(event));
    const item = await js.publish(workItemSubject(queue, t.id), workItem(t.id), { msgID: t.id });
    if (item.duplicate) throw new Error("work item acknowledged as duplicate");
  };
  const viaClient = () =>
    client.enqueue(client.newTask(BENCH_TYPE, BENCH_PAYLOAD), queue, { requireQueue: true });
  return {
    async measure(via, inflight, durationMs) {
      const cpu0 = cpuSeconds(natsPid) ?? 0;
      const load = await closedLoop(inflight, durationMs, via === "nats" ? raw : viaClient);
      const natsCpu = (cpuSeconds(natsPid) ?? cpu0) - cpu0;
      return { via, load, natsCpuSecondsPer1k: load.ops > 0 ? round((natsCpu / load.ops) * 1000, 3) : 0 };
    },
    async close() {
      await client.close();
      await nc.drain();
    },
  };
}

/** Part 1: both ways at each level in flight, after a warm-up of each. */
export async function runCeiling(
  ceiling: Ceiling,
  levels: number[],
  durationMs: number,
  warmupMs: number,
): Promise<CeilingResult[]> {
  await ceiling.measure("nats", 16, warmupMs);
  await ceiling.measure("client", 16, warmupMs);
  const out: CeilingResult[] = [];
  for (const n of levels) {
    out.push(await ceiling.measure("nats", n, durationMs));
    out.push(await ceiling.measure("client", n, durationMs));
  }
  return out;
}
