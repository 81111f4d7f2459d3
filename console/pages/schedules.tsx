/**
 * Schedules: the list with each next firing (computed here from the cron expression) and whether
 * it is paused; create, edit (PUT), pause and resume, trigger now, delete.
 */
import type { ComponentChildren } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import { ApiError, api, type Schedule } from "../api.ts";
import { Confirm, ErrorBox, Field, Notice, useLoad } from "../components.tsx";
import { nextFiring } from "../cron.ts";
import { decodePayload, fmtNs, fmtRelative, fmtTime, textToBase64 } from "../format.ts";

const FIELDS = [
  ["name", "Name", "letters, digits, _ : -", true],
  ["schedule", "Schedule", "cron: 5 fields, @daily, @every 10m, CRON_TZ=Europe/Paris …", true],
  ["queue", "Queue", "an existing queue", true],
  ["task_type", "Task type", "the type of each task created", true],
  ["deadline_offset", "Deadline offset", "Go duration, at least 30s; empty: none", false],
  ["max_tries", "Max tries", "empty: 10", false],
] as const;

/** An edit is the create without the name (the path names the schedule, which cannot be renamed). */
const EDIT_FIELDS = FIELDS.filter(([k]) => k !== "name");

function Next({ s }: { s: Schedule }) {
  if (s.paused) return <span>paused</span>;
  const n = nextFiring(s.schedule);
  if ("at" in n)
    return (
      <time dateTime={n.at.toISOString()} title={n.at.toISOString()}>
        {fmtTime(n.at.toISOString())} ({fmtRelative(n.at)})
      </time>
    );
  if ("every" in n) return <span>within {n.every}</span>;
  return <span class="bad">{n.error}</span>;
}

/** What an edit form starts from: the schedule's settings as the create form takes them. */
function settingsOf(s: Schedule): Record<string, string> {
  return {
    schedule: s.schedule,
    queue: s.queue,
    task_type: s.task_type,
    deadline_offset: s.deadline ? fmtNs(s.deadline) : "",
    max_tries: String(s.max_tries),
  };
}

/**
 * The create form, or with `editing` the edit form pre-filled with that schedule's settings. An
 * error that names one of its fields is shown beside it; any other in the box above.
 */
function ScheduleForm(props: { editing?: Schedule; onSaved: (name: string) => void; onCancel?: () => void }) {
  const { editing } = props;
  const fields = editing ? EDIT_FIELDS : FIELDS;
  const prefix = editing ? "e" : "s";
  const initialPayload = editing ? decodePayload(editing.payload).text : "";
  const [values, setValues] = useState<Record<string, string>>(editing ? settingsOf(editing) : {});
  const [payload, setPayload] = useState(initialPayload);
  const [error, setError] = useState<unknown>();
  const fieldError = (name: string) =>
    error instanceof ApiError && error.field === name ? error.message : undefined;
  const payloadError = fieldError("payload") ?? fieldError("payload_base64");
  const known =
    error instanceof ApiError &&
    (error.field === "payload" ||
      error.field === "payload_base64" ||
      fields.some(([k]) => k === error.field));

  const submit = async (e: Event) => {
    e.preventDefault();
    const body: Record<string, unknown> = {};
    for (const [k] of fields) {
      const v = values[k]?.trim();
      if (v) body[k] = k === "max_tries" ? Number(v) : v;
    }
    if (editing?.payload && payload === initialPayload) {
      // Unchanged: the stored bytes exactly, whatever they are.
      body.payload_base64 = editing.payload;
    } else if (payload.trim() !== "") {
      // JSON goes as JSON; anything else as its bytes.
      try {
        body.payload = JSON.parse(payload);
      } catch {
        body.payload_base64 = textToBase64(payload);
      }
    }
    setError(undefined);
    try {
      if (editing) {
        await api.replaceSchedule(editing.name, body);
        props.onSaved(editing.name);
      } else {
        await api.createSchedule(body);
        setValues({});
        setPayload("");
        props.onSaved(String(body.name));
      }
    } catch (err) {
      setError(err);
    }
  };
  const heading = editing ? "edit-schedule-h" : "create-schedule-h";
  return (
    <form class={editing ? "edit-form" : "create"} aria-labelledby={heading} onSubmit={submit}>
      <h2 id={heading}>{editing ? `Edit schedule ${editing.name}` : "Create a schedule"}</h2>
      {error && !known ? <ErrorBox error={error} /> : null}
      <div class="grid">
        {fields.map(([k, label, hint, required]) => (
          <Field
            key={k}
            id={`${prefix}-${k}`}
            label={label}
            hint={editing && k === "max_tries" ? "0 or below: unlimited; empty: 10" : hint}
            error={fieldError(k)}
          >
            <input
              id={`${prefix}-${k}`}
              name={k}
              type={k === "max_tries" ? "number" : "text"}
              list={k === "queue" ? "queue-names" : undefined}
              required={required}
              value={values[k] ?? ""}
              aria-invalid={fieldError(k) ? "true" : undefined}
              aria-describedby={fieldError(k) ? `${prefix}-${k}-error` : undefined}
              onInput={(e) => setValues({ ...values, [k]: e.currentTarget.value })}
            />
          </Field>
        ))}
        <Field
          id={`${prefix}-payload`}
          label="Payload"
          hint={
            editing?.payload && decodePayload(editing.payload).kind === "hex"
              ? "binary, shown in hex: kept unless replaced with JSON or text"
              : "JSON, or any text"
          }
          error={payloadError}
        >
          <textarea
            id={`${prefix}-payload`}
            rows={3}
            value={payload}
            aria-invalid={payloadError ? "true" : undefined}
            aria-describedby={payloadError ? `${prefix}-payload-error` : undefined}
            onInput={(e) => setPayload(e.currentTarget.value)}
          />
        </Field>
      </div>
      <div class="actions">
        <button type="submit">{editing ? "Save schedule" : "Create schedule"}</button>
        {props.onCancel ? (
          <button type="button" onClick={props.onCancel}>
            Cancel
          </button>
        ) : null}
      </div>
    </form>
  );
}

/** The edit form in a modal dialog: focus moves to its first field, Escape cancels. */
function EditDialog(props: { schedule: Schedule; onSaved: (name: string) => void; onCancel: () => void }) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = ref.current;
    if (d && !d.open) d.showModal();
    return () => d?.close();
  }, []);
  return (
    <dialog ref={ref} class="edit" aria-labelledby="edit-schedule-h" onCancel={props.onCancel}>
      <ScheduleForm editing={props.schedule} onSaved={props.onSaved} onCancel={props.onCancel} />
    </dialog>
  );
}

export function Schedules() {
  const schedules = useLoad(() => api.listSchedules());
  const queues = useLoad(() => api.listQueues());
  const [pending, setPending] = useState<string | undefined>();
  const [editing, setEditing] = useState<Schedule | undefined>();
  const [actionError, setActionError] = useState<unknown>();
  const [notice, setNotice] = useState<ComponentChildren>(null);

  /** Runs an action on a schedule: its notice, or its error shown; the list reloaded either way. */
  const act = async (run: () => Promise<ComponentChildren>) => {
    setActionError(undefined);
    setNotice(null);
    try {
      setNotice(await run());
    } catch (err) {
      setActionError(err);
    }
    void schedules.reload();
  };

  const remove = () => {
    const name = pending;
    setPending(undefined);
    if (!name) return;
    void act(async () => {
      await api.deleteSchedule(name);
      return `Schedule ${name} deleted.`;
    });
  };
  const togglePause = (s: Schedule) =>
    act(async () => {
      if (s.paused) {
        await api.resumeSchedule(s.name);
        return `Schedule ${s.name} resumed.`;
      }
      await api.pauseSchedule(s.name);
      return `Schedule ${s.name} paused: no scheduler fires it until it is resumed.`;
    });
  const trigger = (name: string) =>
    act(async () => {
      const task = await api.triggerSchedule(name);
      return (
        <>
          Schedule {name} triggered: task{" "}
          <a class="mono" href={`#/tasks/${encodeURIComponent(task.id)}`}>
            {task.id}
          </a>{" "}
          enqueued.
        </>
      );
    });

  return (
    <>
      <h1>Schedules</h1>
      <ErrorBox error={schedules.error} />
      <ErrorBox error={actionError} onDismiss={() => setActionError(undefined)} />
      {notice ? <Notice>{notice}</Notice> : null}
      <datalist id="queue-names">
        {(queues.data ?? []).map((q) => (
          <option key={q.name} value={q.name} />
        ))}
      </datalist>
      {pending ? (
        <Confirm
          title={`Delete schedule ${pending}?`}
          action={`Delete schedule ${pending}`}
          onCancel={() => setPending(undefined)}
          onConfirm={remove}
        >
          <p>No more tasks are created by {pending}. Tasks it created stay.</p>
        </Confirm>
      ) : null}
      {editing ? (
        <EditDialog
          key={editing.name}
          schedule={editing}
          onCancel={() => setEditing(undefined)}
          onSaved={(name) => {
            setEditing(undefined);
            setActionError(undefined);
            setNotice(`Schedule ${name} saved.`);
            void schedules.reload();
          }}
        />
      ) : null}
      <table>
        <thead>
          <tr>
            <th scope="col">Schedule</th>
            <th scope="col">State</th>
            <th scope="col">Cron</th>
            <th scope="col">Next firing</th>
            <th scope="col">Queue</th>
            <th scope="col">Task type</th>
            <th scope="col">Max tries</th>
            <th scope="col">Deadline offset</th>
            <th scope="col">Payload</th>
            <th scope="col">Created</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {(schedules.data ?? []).map((s) => (
            <tr key={s.name} data-schedule={s.name}>
              <th scope="row">{s.name}</th>
              <td class="state">
                {s.paused ? (
                  <>
                    <span class="badge state-paused">paused</span>
                    {s.paused_at ? (
                      <>
                        {" "}
                        <span class="small">
                          since <time dateTime={s.paused_at}>{fmtTime(s.paused_at)}</time>
                        </span>
                      </>
                    ) : null}
                  </>
                ) : (
                  <span class="badge">active</span>
                )}
              </td>
              <td class="mono">{s.schedule}</td>
              <td class="next">
                <Next s={s} />
              </td>
              <td>{s.queue}</td>
              <td>{s.task_type}</td>
              <td>{s.max_tries > 0 ? s.max_tries : "unlimited"}</td>
              <td>{s.deadline ? fmtNs(s.deadline) : "none"}</td>
              <td class="mono payload-cell">{decodePayload(s.payload).text}</td>
              <td>{fmtTime(s.created_at)}</td>
              <td class="actions">
                <button
                  type="button"
                  aria-label={`${s.paused ? "Resume" : "Pause"} schedule ${s.name}`}
                  onClick={() => void togglePause(s)}
                >
                  {s.paused ? "Resume" : "Pause"}
                </button>
                <button
                  type="button"
                  aria-label={`Trigger now: schedule ${s.name}`}
                  onClick={() => void trigger(s.name)}
                >
                  Trigger now
                </button>
                <button type="button" aria-label={`Edit schedule ${s.name}`} onClick={() => setEditing(s)}>
                  Edit
                </button>
                <button
                  type="button"
                  class="danger"
                  aria-label={`Delete schedule ${s.name}`}
                  onClick={() => setPending(s.name)}
                >
                  Delete
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <ScheduleForm
        onSaved={(name) => {
          setNotice(`Schedule ${name} created.`);
          void schedules.reload();
        }}
      />
    </>
  );
}
