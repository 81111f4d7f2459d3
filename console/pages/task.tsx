/** One task: every field, payload and result decoded, dependencies as links; retry and delete. */
import { useState } from "preact/hooks";
import { api } from "../api.ts";
import { Confirm, ErrorBox, Notice, StateBadge, useLoad } from "../components.tsx";
import { decodePayload, fmtRelative, fmtTime, prettyJson } from "../format.ts";

function Payload({ b64 }: { b64: string | null }) {
  const d = decodePayload(b64);
  if (d.kind === "none") return <span class="muted">none</span>;
  return (
    <>
      <div class="small">
        {d.bytes} bytes, shown as {d.kind === "json" ? "JSON" : d.kind}
      </div>
      <pre data-testid="payload">{d.text}</pre>
    </>
  );
}

const Time = ({ t }: { t: string | undefined }) =>
  t ? (
    <time dateTime={t} title={t}>
      {fmtTime(t)} ({fmtRelative(t)})
    </time>
  ) : (
    <span class="muted">never</span>
  );

export function TaskPage({ id }: { id: string }) {
  const task = useLoad(() => api.getTask(id), [id]);
  const [actionError, setActionError] = useState<unknown>();
  const [notice, setNotice] = useState("");
  const [confirm, setConfirm] = useState(false);
  const t = task.data;

  const retry = async () => {
    setActionError(undefined);
    try {
      await api.retryTask(id);
      setNotice("Retried: the task is enqueued again.");
      await task.reload();
    } catch (err) {
      setActionError(err);
    }
  };
  const remove = async () => {
    setConfirm(false);
    setActionError(undefined);
    try {
      await api.deleteTask(id);
      location.hash = "#/tasks";
    } catch (err) {
      setActionError(err);
    }
  };

  return (
    <>
      <p>
        <a href="#/tasks">← Tasks</a>
      </p>
      <h1>
        Task <span class="mono">{id}</span>
      </h1>
      <ErrorBox error={task.error} />
      <ErrorBox error={actionError} onDismiss={() => setActionError(undefined)} />
      {notice ? <Notice>{notice}</Notice> : null}
      {t ? (
        <>
          <div class="toolbar">
            <button type="button" onClick={() => void retry()}>
              Retry task
            </button>
            <button type="button" class="danger" onClick={() => setConfirm(true)}>
              Delete task
            </button>
            <button type="button" onClick={() => void task.reload()}>
              Refresh
            </button>
          </div>
          {confirm ? (
            <Confirm
              title={`Delete task ${id}?`}
              action={`Delete task ${id}`}
              onCancel={() => setConfirm(false)}
              onConfirm={() => void remove()}
            >
              <p>The task is removed from the store for good.</p>
            </Confirm>
          ) : null}
          <dl class="fields">
            <dt>State</dt>
            <dd data-testid="task-state">
              <StateBadge state={t.state} />
            </dd>
            <dt>Type</dt>
            <dd>{t.type}</dd>
            <dt>Queue</dt>
            <dd>
              <a href={`#/tasks?queue=${encodeURIComponent(t.queue)}`}>{t.queue}</a>
            </dd>
            <dt>Tries</dt>
            <dd>
              {t.tries} of {t.max_tries > 0 ? t.max_tries : "unlimited"}
            </dd>
            <dt>Created</dt>
            <dd>
              <Time t={t.created} />
            </dd>
            <dt>Last tried</dt>
            <dd>
              <Time t={t.tried} />
            </dd>
            <dt>Deadline</dt>
            <dd>{t.deadline ? <Time t={t.deadline} /> : <span class="muted">none</span>}</dd>
            {t.run_at ? (
              <>
                <dt>Run at</dt>
                <dd>
                  <Time t={t.run_at} />
                </dd>
              </>
            ) : null}
            <dt>Last error</dt>
            <dd data-testid="last-err">
              {t.last_err ? <pre class="err-text">{t.last_err}</pre> : <span class="muted">none</span>}
            </dd>
            <dt>Dependencies</dt>
            <dd>
              {t.dependencies?.length ? (
                <ul class="plain">
                  {t.dependencies.map((d) => (
                    <li key={d}>
                      <a class="mono" href={`#/tasks/${encodeURIComponent(d)}`}>
                        {d}
                      </a>
                    </li>
                  ))}
                </ul>
              ) : (
                <span class="muted">none</span>
              )}
            </dd>
            <dt>Load dependencies</dt>
            <dd>{t.load_dependencies ? "yes" : "no"}</dd>
            <dt>Signature</dt>
            <dd class="mono wrap">{t.signature ?? <span class="muted">none</span>}</dd>
          </dl>
          <h2>Payload</h2>
          <Payload b64={t.payload} />
          <h2>Result</h2>
          {t.result ? (
            <>
              <div class="small">
                Completed <Time t={t.result.completed} />
              </div>
              <pre data-testid="result">{prettyJson(t.result.payload)}</pre>
            </>
          ) : (
            <p class="muted">none</p>
          )}
          {t.dependency_results && Object.keys(t.dependency_results).length > 0 ? (
            <>
              <h2>Dependency results</h2>
              {Object.entries(t.dependency_results).map(([dep, r]) => (
                <div key={dep}>
                  <h3>
                    <a class="mono" href={`#/tasks/${encodeURIComponent(dep)}`}>
                      {dep}
                    </a>
                  </h3>
                  <pre>{prettyJson(r.payload)}</pre>
                </div>
              ))}
            </>
          ) : null}
          <details>
            <summary>Raw JSON</summary>
            <pre>{prettyJson(t)}</pre>
          </details>
        </>
      ) : null}
    </>
  );
}
