/**
 * The scheduler's and the election's Prometheus series, named as the Go library names them
 * (namespace `choria_asyncjobs`) so existing dashboards keep working.
 */
import { Registry } from "../metrics/prometheus.ts";
import type { ElectionMetrics } from "./election.ts";

/** The Go library's Prometheus namespace. */
export const METRICS_NAMESPACE = "choria_asyncjobs";

const n = (name: string) => `${METRICS_NAMESPACE}_${name}`;

/** Every series of a scheduler process, on one registry. */
export class SchedulerMetrics {
  readonly registry: Registry;
  readonly paused;
  readonly schedulesTotal;
  readonly scheduledCount;
  readonly scheduleErrorCount;
  readonly rescued;
  readonly electionCampaigns;
  readonly electionLeader;
  readonly electionInterval;

  /** Registers the series on `registry` (default a new one). */
  constructor(registry = new Registry()) {
    this.registry = registry;
    this.paused = registry.gauge(
      n("task_scheduler_paused"),
      "Whether the task scheduler is paused (1) because it is not the elected leader",
    );
    this.schedulesTotal = registry.gauge(
      n("task_scheduler_schedules_total"),
      "The number of schedules the task scheduler knows",
    );
    this.scheduledCount = registry.counter(
      n("task_scheduler_scheduled_count"),
      "The number of tasks the task scheduler created and enqueued",
      ["type", "queue"],
    );
    this.scheduleErrorCount = registry.counter(
      n("task_scheduler_schedule_error_count"),
      "The number of firings that failed to create or enqueue a task",
      ["type", "queue"],
    );
    // Ours (Go has no rescuer): what the leader's periodic rescuer runs did.
    this.rescued = registry.counter(
      n("task_scheduler_rescued_count"),
      "The number of stranded tasks the scheduler's rescuer requeued, marked queue_error, found stuck, or failed to repair",
      ["action"],
    );
    this.electionCampaigns = registry.counter(
      n("election_campaigns"),
      "The number of campaigns a specific candidate voted in",
      ["election", "identity", "state"],
    );
    this.electionLeader = registry.gauge(
      n("election_leader"),
      "Indicates if a specific instance is the current leader",
      ["election", "identity"],
    );
    this.electionInterval = registry.gauge(
      n("election_interval_seconds"),
      "The number of seconds between campaigns",
      ["election", "identity"],
    );
    // Paused until elected: a fresh scheduler fires nothing.
    this.paused.set({}, 1);
    this.schedulesTotal.set({}, 0);
  }

  /** The election series of one candidate, for `Election`'s `metrics` option. */
  election(election: string, identity: string): ElectionMetrics {
    const labels = { election, identity };
    this.electionLeader.set(labels, 0);
    return {
      campaign: (state) => this.electionCampaigns.inc({ ...labels, state }),
      leader: (isLeader) => this.electionLeader.set(labels, isLeader ? 1 : 0),
      interval: (seconds) => this.electionInterval.set(labels, seconds),
    };
  }

  /** The text exposition of every series. */
  render(): string {
    return this.registry.render();
  }
}
