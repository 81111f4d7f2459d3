/**
 * The task list: the API's filters (kept in the URL, so a view can be linked), paging over what
 * was read, a live mode, and bulk retry and delete on a selection.
 */
import { useEffect, useMemo, useState } from "preact/hooks";
import { ApiError, api, BULK_RETRY_MAX, LIST_MAX, TASK_STATES, type Task, type TaskFilter } from "../api.ts";
import { Confirm, ErrorBox, Notice, StateBadge, useLoad } from "../components.tsx";
import { fmtRelative, fmtTime } from "../format.ts";
import { events, type LiveMode } from "../live.ts";

const PAGE_SIZES = [50, 100, 250, 1000];

function filterOf(q: URLSearchParams): TaskFilter {
  return {
    states: q.getAll("state"),
    queue: q.get("queue") ?? "",
    type: q.get("type") ?? "",
    createdSince: q.get("created_since") ?? "",
    limit: Number(q.get("limit") ?? "1000") || 1000,
  };
}

function hashOf(f: TaskFilter): string {
  const q = new URLSearchParams();
  for (const s of f.states ?? []) q.append("state", s);
  if (f.queue) q.set("queue", f.queue);
  if (f.type) q.set("type", f.type);
  if (f.createdSince) q.set("created_since", f.createdSince);
  if (f.limit && f.limit !== 1000) q.set("limit", String(f.limit));
  const s = q.toString();
  return `#/tasks${s ? `?${s}` : ""}`;
}

/** An RFC 3339 time as a datetime-local value (local time, minutes), and back. */
function toLocalInput(rfc: string): string {
  if (!rfc) return "";
  const d = new Date(rfc);
  if (Number.isNaN(d.getTime())) return "";
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}
const fromLocalInput = (v: string) => (v ? new Date(v).toISOString() : "");

function Filters({ filter, queues }: { filter: TaskFilter; queues: string[] }) {
  const [f, setF] = useState(filter);
  useEffect(() => setF(filter), [filter]);
  const toggle = (s: string) =>
    setF({
      ...f,
      states: f.states?.includes(s) ? f.states.filter((x) => x !== s) : [...(f.states ?? []), s],
    });
  return (
    <form
      class="filters"
      aria-label="Task filters"
      onSubmit={(e) => {
        e.preventDefault();
        location.hash = hashOf(f);
      }}
    >
      <fieldset>
        <legend>State</legend>
        {TASK_STATES.map((s) => (
          <label key={s} class="check">
            <input type="checkbox" checked={f.states?.includes(s)} onChange={() => toggle(s)} /> {s}
          </label>
        ))}
      </fieldset>
      <div class="field">
        <label for="f-queue">Queue</label>
        <select id="f-queue" value={f.queue} onChange={(e) => setF({ ...f, queue: e.currentTarget.value })}>
          <option value="">any</option>
          {[...new Set([...queues, ...(f.queue ? [f.queue] : [])])].map((q) => (
            <option key={q} value={q}>
              {q}
            </option>
          ))}
        </select>
      </div>
      <div class="field">
        <label for="f-type">Type</label>
        <input
          id="f-type"
          value={f.type}
          placeholder="any"
          onInput={(e) => setF({ ...f, type: e.currentTarget.value })}
        />
      </div>
      <div class="field">
        <label for="f-since">Created since</label>
        <input
          id="f-since"
          type="datetime-local"
          value={toLocalInput(f.createdSince ?? "")}
          onInput={(e) => setF({ ...f, createdSince: fromLocalInput(e.currentTarget.value) })}
        />
      </div>
      <div class="field">
        <label for="f-limit">Read at most</label>
        <input
          id="f-limit"
          type="number"
          min={1}
          max={LIST_MAX}
          value={f.limit}
          aria-describedby="f-limit-hint"
          onInput={(e) => setF({ ...f, limit: Number(e.currentTarget.value) })}
        />
        <small class="hint" id="f-limit-hint">
          the oldest are read first, and the filters apply to those; shown newest first
        </small>
      </div>
      <div class="field buttons">
        <button type="submit">Apply filters</button>
        <a href="#/tasks" class="button-link">
          Clear
        </a>
      </div>
    </form>
  );
}

interface BulkOutcome {
  done: string;
  failures: { id: string; error: string }[];
}

async function bulkRetry(ids: string[]): Promise<BulkOutcome> {
  const failures: BulkOutcome["failures"] = [];
  let ok = 0;
  for (let i = 0; i < ids.length; i += BULK_RETRY_MAX) {
    for (const r of await api.retryTasks(ids.slice(i, i + BULK_RETRY_MAX))) {
      if (r.status === "ok") ok++;
      else failures.push({ id: r.id, error: `${r.status}${r.error ? `: ${r.error}` : ""}` });
    }
  }
  return { done: `Retried ${ok} of ${ids.length} tasks.`, failures };
}

async function bulkDelete(ids: string[]): Promise<BulkOutcome> {
  const failures: BulkOutcome["failures"] = [];
  let ok = 0;
  const queue = [...ids];
  // A few at a time: the API deletes one task per request.
  const worker = async () => {
    for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
      try {
        await api.deleteTask(id);
        ok++;
      } catch (err) {
        const e = err as ApiError;
        failures.push({ id, error: e instanceof ApiError ? `${e.message} (${e.reason})` : String(err) });
      }
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
  return { done: `Deleted ${ok} of ${ids.length} tasks.`, failures };
}

export function Tasks({ query }: { query: URLSearchParams }) {
  const key = query.toString();
  const filter = useMemo(() => filterOf(query), [key]);
  const queues = useLoad(() => api.listQueues());
  const tasks = useLoad(() => api.listTasks(filter).then((ts) => ts.reverse()), [key]);
  const [live, setLive] = useState(false);
  const [liveMode, setLiveMode] = useState<LiveMode | undefined>();
  const [pageSize, setPageSize] = useState(100);
  const [page, setPage] = useState(0);
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const [confirmDelete, setConfirmDelete] = useState(false);
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<BulkOutcome | undefined>();
  const [actionError, setActionError] = useState<unknown>();

  useEffect(() => {
    setPage(0);
    setSelected(new Set());
  }, [key]);
  useEffect(() => {
    if (!live) {
      setLiveMode(undefined);
      return undefined;
    }
    return events({ queue: filter.queue, type: filter.type }, setLiveMode)(tasks.reload);
  }, [live, key]);

  const rows = tasks.data ?? [];
  const pages = Math.max(1, Math.ceil(rows.length / pageSize));
  const current = Math.min(page, pages - 1);
  const shown = rows.slice(current * pageSize, (current + 1) * pageSize);
  const allShownSelected = shown.length > 0 && shown.every((t) => selected.has(t.id));

  const toggle = (id: string) => {
    const next = new Set(selected);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    setSelected(next);
  };
  const toggleShown = () => {
    const next = new Set(selected);
    for (const t of shown) {
      if (allShownSelected) next.delete(t.id);
      else next.add(t.id);
    }
    setSelected(next);
  };
  const run = async (action: (ids: string[]) => Promise<BulkOutcome>) => {
    setBusy(true);
    setActionError(undefined);
    setOutcome(undefined);
    try {
      setOutcome(await action([...selected]));
      setSelected(new Set());
    } catch (err) {
      setActionError(err);
    } finally {
      setBusy(false);
      void tasks.reload();
    }
  };

  return (
    <>
      <h1>Tasks</h1>
      <Filters filter={filter} queues={(queues.data ?? []).map((q) => q.name)} />
      <div class="toolbar">
        <label class="check">
          <input type="checkbox" checked={live} onChange={(e) => setLive(e.currentTarget.checked)} /> Live
          updates
        </label>
        {live && liveMode && (
          <span class="small" data-testid="live-mode">
            {liveMode === "events" ? "as tasks change" : "every 2 s"}
          </span>
        )}
        <button type="button" onClick={() => void tasks.reload()} disabled={tasks.loading}>
          Refresh
        </button>
        <span aria-live="polite" class="small" data-testid="task-count">
          {tasks.loading && !tasks.data ? "Loading…" : `${rows.length} tasks read`}
        </span>
        <span class="spacer" />
        <span class="small">{selected.size} selected</span>
        <button type="button" disabled={selected.size === 0 || busy} onClick={() => void run(bulkRetry)}>
          Retry selected
        </button>
        <button
          type="button"
          class="danger"
          disabled={selected.size === 0 || busy}
          onClick={() => setConfirmDelete(true)}
        >
          Delete selected
        </button>
      </div>
      <ErrorBox error={tasks.error} />
      <ErrorBox error={actionError} onDismiss={() => setActionError(undefined)} />
      {outcome ? (
        <Notice>
          {outcome.done}
          {outcome.failures.length > 0 ? (
            <ul class="failures">
              {outcome.failures.map((f) => (
                <li key={f.id}>
                  <a href={`#/tasks/${encodeURIComponent(f.id)}`}>{f.id}</a>: {f.error}
                </li>
              ))}
            </ul>
          ) : null}
        </Notice>
      ) : null}
      {confirmDelete ? (
        <Confirm
          title={`Delete ${selected.size} tasks?`}
          action={`Delete ${selected.size} tasks`}
          onCancel={() => setConfirmDelete(false)}
          onConfirm={() => {
            setConfirmDelete(false);
            void run(bulkDelete);
          }}
        >
          <p>The selected tasks are removed from the store for good.</p>
        </Confirm>
      ) : null}
      <TaskTable
        rows={shown}
        selected={selected}
        toggle={toggle}
        allSelected={allShownSelected}
        toggleAll={toggleShown}
      />
      <nav class="pager" aria-label="Pages">
        <button type="button" disabled={current === 0} onClick={() => setPage(current - 1)}>
          Previous page
        </button>
        <span>
          Page {current + 1} of {pages}
        </span>
        <button type="button" disabled={current >= pages - 1} onClick={() => setPage(current + 1)}>
          Next page
        </button>
        <label for="page-size">Rows per page</label>
        <select
          id="page-size"
          value={pageSize}
          onChange={(e) => {
            setPageSize(Number(e.currentTarget.value));
            setPage(0);
          }}
        >
          {PAGE_SIZES.map((n) => (
            <option key={n} value={n}>
              {n}
            </option>
          ))}
        </select>
      </nav>
    </>
  );
}

function TaskTable(props: {
  rows: Task[];
  selected: ReadonlySet<string>;
  toggle: (id: string) => void;
  allSelected: boolean;
  toggleAll: () => void;
}) {
  const now = Date.now();
  return (
    <table class="tasks">
      <thead>
        <tr>
          <th scope="col">
            <input
              type="checkbox"
              aria-label="Select all tasks on this page"
              checked={props.allSelected}
              onChange={props.toggleAll}
            />
          </th>
          <th scope="col">ID</th>
          <th scope="col">Type</th>
          <th scope="col">Queue</th>
          <th scope="col">State</th>
          <th scope="col">Tries</th>
          <th scope="col">Created</th>
          <th scope="col">Last error</th>
        </tr>
      </thead>
      <tbody>
        {props.rows.map((t) => (
          <tr key={t.id} data-task-id={t.id} class={props.selected.has(t.id) ? "selected" : undefined}>
            <td>
              <input
                type="checkbox"
                aria-label={`Select task ${t.id}`}
                checked={props.selected.has(t.id)}
                onChange={() => props.toggle(t.id)}
              />
            </td>
            <td>
              <a href={`#/tasks/${encodeURIComponent(t.id)}`} class="mono">
                {t.id}
              </a>
            </td>
            <td>{t.type}</td>
            <td>{t.queue}</td>
            <td>
              <StateBadge state={t.state} />
            </td>
            <td>{t.tries}</td>
            <td title={fmtTime(t.created)}>{fmtRelative(t.created, now)}</td>
            <td class="last-err">{t.last_err ?? ""}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
