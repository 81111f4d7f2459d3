/**
 * How every stream of the layout is replicated in a JetStream cluster: its replica count, its
 * leader, the replicas that are behind or offline, and the command that raises the count. `ajc info`
 * shows it; `ajc server run --replicas N` warns at start-up about what has fewer than N.
 */
import type { ConsumerInfo, StreamInfo } from "@nats-io/jetstream";
import { formatGoDuration } from "../core/duration.ts";
import { JS_CONSUMER_NOT_FOUND, jsCode, toAjcError } from "./errors.ts";
import type { Jet } from "./jet.ts";
import {
  CONFIG_BUCKET,
  ELECTIONS_BUCKET,
  IDEMPOTENCY_BUCKET,
  QUEUE_STREAM_PREFIX,
  TASKS_STREAM,
  WORKERS_CONSUMER,
} from "./subjects.ts";

/** One stream of the layout and its replication. */
export interface ReplicaState {
  /** What the stream holds: the task store, a bucket, or a queue. */
  kind: "task store" | "bucket" | "queue";
  /** The task stream's, bucket's or queue's own name. */
  name: string;
  stream: string;
  /** Configured replicas. */
  replicas: number;
  /** The server leading the stream, when the cluster reports one (absent on a lone server). */
  leader?: string;
  /**
   * Followers that are not current: offline, or this many operations behind; for a queue also its
   * `WORKERS` consumer's (`consumer: true`).
   */
  lagging: { server: string; lag: number; offline: boolean; consumer?: boolean }[];
  /**
   * A queue's `WORKERS` consumer's replicas: its configured count, or (a consumer that inherits
   * its stream's) the replicas it really has. A consumer keeps its count when only the stream is
   * raised (`nats stream edit`, older tools), so it can have fewer than the stream.
   */
  consumerReplicas?: number;
  /** The stream's max age in ns (the task store's retention, needed to raise its replicas). */
  maxAgeNs: number;
}

const BUCKETS = [CONFIG_BUCKET, ELECTIONS_BUCKET, IDEMPOTENCY_BUCKET];

function stateOf(si: StreamInfo): ReplicaState | undefined {
  const stream = si.config.name;
  let kind: ReplicaState["kind"];
  let name: string;
  if (stream === TASKS_STREAM) {
    kind = "task store";
    name = TASKS_STREAM;
  } else if (stream.startsWith(QUEUE_STREAM_PREFIX)) {
    kind = "queue";
    name = stream.slice(QUEUE_STREAM_PREFIX.length);
  } else if (stream.startsWith("KV_") && BUCKETS.includes(stream.slice(3))) {
    kind = "bucket";
    name = stream.slice(3);
  } else {
    return undefined;
  }
  const out: ReplicaState = {
    kind,
    name,
    stream,
    replicas: si.config.num_replicas,
    lagging: (si.cluster?.replicas ?? [])
      .filter((r) => !r.current || r.offline)
      .map((r) => ({ server: r.name, lag: r.lag ?? 0, offline: r.offline ?? false })),
    maxAgeNs: si.config.max_age,
  };
  if (si.cluster?.leader) out.leader = si.cluster.leader;
  return out;
}

function addConsumer(s: ReplicaState, ci: ConsumerInfo): void {
  const actual = ci.cluster ? 1 + (ci.cluster.replicas?.length ?? 0) : 1;
  s.consumerReplicas = ci.config.num_replicas || actual;
  for (const r of ci.cluster?.replicas ?? []) {
    if (!r.current || r.offline) {
      s.lagging.push({ server: r.name, lag: r.lag ?? 0, offline: r.offline ?? false, consumer: true });
    }
  }
}

/** Every stream of the layout that exists: task store first, then buckets, then queues by name. */
export async function replicaStates(jet: Jet): Promise<ReplicaState[]> {
  const out: ReplicaState[] = [];
  try {
    for await (const si of jet.jsm.streams.list()) {
      const s = stateOf(si);
      if (s) out.push(s);
    }
  } catch (err) {
    throw toAjcError(err, "listing streams");
  }
  for (const s of out.filter((x) => x.kind === "queue")) {
    try {
      addConsumer(s, await jet.jsm.consumers.info(s.stream, WORKERS_CONSUMER));
    } catch (err) {
      if (jsCode(err) !== JS_CONSUMER_NOT_FOUND) throw toAjcError(err, `queue ${s.name}`);
    }
  }
  const order = { "task store": 0, bucket: 1, queue: 2 } as const;
  return out.sort((a, b) => order[a.kind] - order[b.kind] || a.name.localeCompare(b.name));
}

/** The command that gives `s` `replicas` replicas. */
export function raiseCommand(s: ReplicaState, replicas: number): string {
  switch (s.kind) {
    case "task store":
      return `ajc task configure ${formatGoDuration(s.maxAgeNs)} ${replicas}`;
    case "queue":
      return `ajc queue configure ${s.name} --replicas ${replicas}`;
    default:
      // The Go tools and ajc open buckets without changing them: the nats CLI edits the stream.
      return `nats stream edit ${s.stream} --replicas ${replicas} --force`;
  }
}

const plural = (n: number) => `${n} replica${n === 1 ? "" : "s"}`;

/**
 * One line per stream (or queue consumer) with fewer than `replicas` replicas, each naming the
 * command that raises it.
 */
export function underReplicated(states: ReplicaState[], replicas: number): string[] {
  const out: string[] = [];
  for (const s of states) {
    if (s.replicas < replicas) {
      out.push(
        `${s.kind} ${s.name} has ${plural(s.replicas)}, fewer than --replicas ${replicas}: raise with \`${raiseCommand(s, replicas)}\``,
      );
    } else if (s.consumerReplicas !== undefined && s.consumerReplicas < replicas) {
      out.push(
        `queue ${s.name}'s ${WORKERS_CONSUMER} consumer has ${plural(s.consumerReplicas)}, fewer than --replicas ${replicas}: raise with \`${raiseCommand(s, replicas)}\``,
      );
    }
  }
  return out;
}
