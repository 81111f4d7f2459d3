/** The scheduler's and the election's series names. */
import { expect, test } from "bun:test";
import { SchedulerMetrics } from "../../src/scheduler/metrics.ts";

test("the scheduler's series carry the Go library's names and labels", () => {
  const m = new SchedulerMetrics();
  const e = m.election("task_scheduler", "s1");
  e.campaign("candidate");
  e.leader(true);
  e.interval(7.5);
  m.scheduledCount.inc({ type: "email:new", queue: "EMAIL" });
  m.scheduleErrorCount.inc({ type: "email:new", queue: "EMAIL" });
  const text = m.render();
  for (const line of [
    "choria_asyncjobs_task_scheduler_paused 1",
    "choria_asyncjobs_task_scheduler_schedules_total 0",
    'choria_asyncjobs_task_scheduler_scheduled_count{type="email:new",queue="EMAIL"} 1',
    'choria_asyncjobs_task_scheduler_schedule_error_count{type="email:new",queue="EMAIL"} 1',
    'choria_asyncjobs_election_campaigns{election="task_scheduler",identity="s1",state="candidate"} 1',
    'choria_asyncjobs_election_leader{election="task_scheduler",identity="s1"} 1',
    'choria_asyncjobs_election_interval_seconds{election="task_scheduler",identity="s1"} 7.5',
  ]) {
    expect(text).toContain(`${line}\n`);
  }
});
