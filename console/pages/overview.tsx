/** Overview: readiness and storage, queues with their depth and limits, task counts by state. */
import { useEffect } from "preact/hooks";
import { api, TASK_STATES } from "../api.ts";
import { ErrorBox, StateBadge, useLoad } from "../components.tsx";
import { fmtBytes, fmtLimit, fmtNs } from "../format.ts";

/** Tasks read to count states: the API's largest JSON listing. */
const COUNT_LIMIT = 1000;

export function Overview() {
  const ready = useLoad(() => api.readyz());
  const info = useLoad(() => api.info());
  const queues = useLoad(() => api.listQueues());
  const counts = useLoad(async () => {
    const tasks = await api.listTasks({ limit: COUNT_LIMIT });
    const by = new Map<string, number>();
    for (const t of tasks) by.set(t.state, (by.get(t.state) ?? 0) + 1);
    return { by, read: tasks.length };
  });
  useEffect(() => {
    const t = setInterval(() => {
      void ready.reload();
      void info.reload();
      void queues.reload();
      void counts.reload();
    }, 5000);
    return () => clearInterval(t);
  }, []);
  return (
    <>
      <h1>Overview</h1>
      <section aria-labelledby="health-h" class="cards">
        <h2 id="health-h" class="visually-hidden">
          Health
        </h2>
        <div class="card">
          <div class="card-label">Readiness</div>
          {ready.data ? (
            <div class={ready.data.ready ? "ok" : "bad"} data-testid="readiness">
              {ready.data.ready ? "ready" : "not ready"}
            </div>
          ) : (
            <div>…</div>
          )}
          {ready.data
            ? Object.entries(ready.data.checks).map(([k, c]) => (
                <div key={k} class="small">
                  NATS {k} storage:{" "}
                  <span class={c.ok ? "ok" : "bad"}>{c.ok ? "reachable" : (c.error ?? "failed")}</span>
                </div>
              ))
            : null}
          <ErrorBox error={ready.error} />
        </div>
        <div class="card">
          <div class="card-label">Server</div>
          <div>{info.data?.version ?? "…"}</div>
          <div class="small">auth: {info.data?.auth ?? "…"}</div>
          <div class="small">
            {info.data?.queue_count ?? "?"} queues, {info.data?.task_count ?? "?"} tasks stored
          </div>
          <ErrorBox error={info.error} />
        </div>
        <div class="card">
          <div class="card-label">Scheduler leader</div>
          <div data-testid="scheduler-leader">
            {info.data ? (info.data.scheduler_leader ?? <span class="muted">none leads</span>) : "…"}
          </div>
          <div class="small">
            fires the schedules; elected among <code>ajc task cron scheduler</code> processes
          </div>
        </div>
      </section>

      <section aria-labelledby="counts-h">
        <h2 id="counts-h">Tasks by state</h2>
        <ErrorBox error={counts.error} />
        {counts.data ? (
          <>
            <ul class="counts">
              {TASK_STATES.map((s) => (
                <li key={s}>
                  <a href={`#/tasks?state=${s}`}>
                    <StateBadge state={s} /> <span class="count">{counts.data?.by.get(s) ?? 0}</span>
                  </a>
                </li>
              ))}
            </ul>
            <p class="small">
              Counted over the {counts.data.read} oldest tasks read (the API lists at most {COUNT_LIMIT} at
              once).
            </p>
          </>
        ) : null}
      </section>

      <section aria-labelledby="queues-h">
        <h2 id="queues-h">Queues</h2>
        <ErrorBox error={queues.error} />
        <table>
          <thead>
            <tr>
              <th scope="col">Queue</th>
              <th scope="col">Entries</th>
              <th scope="col">In flight</th>
              <th scope="col">Bytes</th>
              <th scope="col">Max entries</th>
              <th scope="col">Max concurrent</th>
              <th scope="col">Max runtime</th>
              <th scope="col">Max tries</th>
            </tr>
          </thead>
          <tbody>
            {(queues.data ?? []).map((q) => (
              <tr key={q.name}>
                <th scope="row">
                  <a href={`#/tasks?queue=${encodeURIComponent(q.name)}`}>{q.name}</a>
                </th>
                <td>{q.entries ?? ""}</td>
                <td>{q.in_flight ?? ""}</td>
                <td>{fmtBytes(q.bytes)}</td>
                <td>{fmtLimit(q.max_entries)}</td>
                <td>{q.max_concurrent ?? ""}</td>
                <td>{fmtNs(q.max_runtime)}</td>
                <td>{fmtLimit(q.max_tries)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
    </>
  );
}
