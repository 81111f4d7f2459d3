/** Schedules: the list with each next firing (computed here from the cron expression), create, delete. */
import { useState } from "preact/hooks";
import { ApiError, api } from "../api.ts";
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

function Next({ expr }: { expr: string }) {
  const n = nextFiring(expr);
  if ("at" in n)
    return (
      <time dateTime={n.at.toISOString()} title={n.at.toISOString()}>
        {fmtTime(n.at.toISOString())} ({fmtRelative(n.at)})
      </time>
    );
  if ("every" in n) return <span>within {n.every}</span>;
  return <span class="bad">{n.error}</span>;
}

function CreateSchedule({ queues, onCreated }: { queues: string[]; onCreated: (name: string) => void }) {
  const [values, setValues] = useState<Record<string, string>>({});
  const [payload, setPayload] = useState("");
  const [error, setError] = useState<unknown>();
  const fieldError = (name: string) =>
    error instanceof ApiError && error.field === name ? error.message : undefined;
  const known =
    error instanceof ApiError &&
    (error.field === "payload" ||
      error.field === "payload_base64" ||
      FIELDS.some(([k]) => k === error.field));

  const submit = async (e: Event) => {
    e.preventDefault();
    const body: Record<string, unknown> = {};
    for (const [k] of FIELDS) {
      const v = values[k]?.trim();
      if (v) body[k] = k === "max_tries" ? Number(v) : v;
    }
    if (payload.trim() !== "") {
      // JSON goes as JSON; anything else as its bytes.
      try {
        body.payload = JSON.parse(payload);
      } catch {
        body.payload_base64 = textToBase64(payload);
      }
    }
    setError(undefined);
    try {
      await api.createSchedule(body);
      setValues({});
      setPayload("");
      onCreated(String(body.name));
    } catch (err) {
      setError(err);
    }
  };
  return (
    <form class="create" aria-labelledby="create-schedule-h" onSubmit={submit}>
      <h2 id="create-schedule-h">Create a schedule</h2>
      {error && !known ? <ErrorBox error={error} /> : null}
      <datalist id="queue-names">
        {queues.map((q) => (
          <option key={q} value={q} />
        ))}
      </datalist>
      <div class="grid">
        {FIELDS.map(([k, label, hint, required]) => (
          <Field key={k} id={`s-${k}`} label={label} hint={hint} error={fieldError(k)}>
            <input
              id={`s-${k}`}
              name={k}
              type={k === "max_tries" ? "number" : "text"}
              list={k === "queue" ? "queue-names" : undefined}
              required={required}
              value={values[k] ?? ""}
              aria-invalid={fieldError(k) ? "true" : undefined}
              aria-describedby={fieldError(k) ? `s-${k}-error` : undefined}
              onInput={(e) => setValues({ ...values, [k]: e.currentTarget.value })}
            />
          </Field>
        ))}
        <Field
          id="s-payload"
          label="Payload"
          hint="JSON, or any text"
          error={fieldError("payload") ?? fieldError("payload_base64")}
        >
          <textarea
            id="s-payload"
            rows={3}
            value={payload}
            onInput={(e) => setPayload(e.currentTarget.value)}
          />
        </Field>
      </div>
      <button type="submit">Create schedule</button>
    </form>
  );
}

export function Schedules() {
  const schedules = useLoad(() => api.listSchedules());
  const queues = useLoad(() => api.listQueues());
  const [pending, setPending] = useState<string | undefined>();
  const [actionError, setActionError] = useState<unknown>();
  const [notice, setNotice] = useState("");

  const remove = async () => {
    const name = pending;
    setPending(undefined);
    if (!name) return;
    setActionError(undefined);
    try {
      await api.deleteSchedule(name);
      setNotice(`Schedule ${name} deleted.`);
    } catch (err) {
      setActionError(err);
    }
    void schedules.reload();
  };

  return (
    <>
      <h1>Schedules</h1>
      <ErrorBox error={schedules.error} />
      <ErrorBox error={actionError} onDismiss={() => setActionError(undefined)} />
      {notice ? <Notice>{notice}</Notice> : null}
      {pending ? (
        <Confirm
          title={`Delete schedule ${pending}?`}
          action={`Delete schedule ${pending}`}
          onCancel={() => setPending(undefined)}
          onConfirm={() => void remove()}
        >
          <p>No more tasks are created by {pending}. Tasks it created stay.</p>
        </Confirm>
      ) : null}
      <table>
        <thead>
          <tr>
            <th scope="col">Schedule</th>
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
              <td class="mono">{s.schedule}</td>
              <td>
                <Next expr={s.schedule} />
              </td>
              <td>{s.queue}</td>
              <td>{s.task_type}</td>
              <td>{s.max_tries > 0 ? s.max_tries : "unlimited"}</td>
              <td>{s.deadline ? fmtNs(s.deadline) : "none"}</td>
              <td class="mono payload-cell">{decodePayload(s.payload).text}</td>
              <td>{fmtTime(s.created_at)}</td>
              <td>
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
      <CreateSchedule
        queues={(queues.data ?? []).map((q) => q.name)}
        onCreated={(name) => {
          setNotice(`Schedule ${name} created.`);
          void schedules.reload();
        }}
      />
    </>
  );
}
