/** Queues: every setting and state, create (errors beside their field), purge and delete. */
import { useState } from "preact/hooks";
import { ApiError, api } from "../api.ts";
import { Confirm, ErrorBox, Field, Notice, useLoad } from "../components.tsx";
import { fmtBytes, fmtLimit, fmtNs } from "../format.ts";

/** The create form's fields, by the API's field names (which the envelope's details.field uses). */
const TEXT_FIELDS = [
  ["name", "Name", "letters, digits, _ : -"],
  ["max_age", "Max age", "Go duration, e.g. 24h; empty: unlimited"],
  ["max_runtime", "Max runtime", "Go duration, e.g. 5m; empty: 1h"],
] as const;
const NUMBER_FIELDS = [
  ["max_entries", "Max entries", "empty: unlimited"],
  ["max_tries", "Max tries", "empty: unlimited"],
  ["max_concurrent", "Max concurrent", "empty: 100"],
] as const;

function CreateQueue({ onCreated }: { onCreated: (name: string) => void }) {
  const [values, setValues] = useState<Record<string, string>>({});
  const [discardOld, setDiscardOld] = useState(false);
  const [error, setError] = useState<ApiError | unknown>();
  const [busy, setBusy] = useState(false);
  const fieldError = (name: string) =>
    error instanceof ApiError && error.field === name ? error.message : undefined;
  const set = (name: string, v: string) => setValues({ ...values, [name]: v });

  const submit = async (e: Event) => {
    e.preventDefault();
    const body: Record<string, unknown> = {};
    for (const [k] of TEXT_FIELDS) if (values[k]?.trim()) body[k] = values[k]?.trim();
    for (const [k] of NUMBER_FIELDS) if (values[k]?.trim()) body[k] = Number(values[k]);
    if (discardOld) body.discard_old = true;
    setBusy(true);
    setError(undefined);
    try {
      await api.createQueue(body);
      setValues({});
      setDiscardOld(false);
      onCreated(String(body.name ?? ""));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const known =
    error instanceof ApiError && [...TEXT_FIELDS, ...NUMBER_FIELDS].some(([k]) => k === error.field);
  return (
    <form class="create" aria-labelledby="create-queue-h" onSubmit={submit}>
      <h2 id="create-queue-h">Create a queue</h2>
      {/* An error that names a field is shown there; any other here, with its reason. */}
      {error && !known ? <ErrorBox error={error} /> : null}
      <div class="grid">
        {TEXT_FIELDS.map(([k, label, hint]) => (
          <Field key={k} id={`q-${k}`} label={label} hint={hint} error={fieldError(k)}>
            <input
              id={`q-${k}`}
              name={k}
              value={values[k] ?? ""}
              required={k === "name"}
              aria-invalid={fieldError(k) ? "true" : undefined}
              aria-describedby={fieldError(k) ? `q-${k}-error` : undefined}
              onInput={(e) => set(k, e.currentTarget.value)}
            />
          </Field>
        ))}
        {NUMBER_FIELDS.map(([k, label, hint]) => (
          <Field key={k} id={`q-${k}`} label={label} hint={hint} error={fieldError(k)}>
            <input
              id={`q-${k}`}
              name={k}
              type="number"
              value={values[k] ?? ""}
              aria-invalid={fieldError(k) ? "true" : undefined}
              aria-describedby={fieldError(k) ? `q-${k}-error` : undefined}
              onInput={(e) => set(k, e.currentTarget.value)}
            />
          </Field>
        ))}
        <div class="field">
          <label class="check" for="q-discard_old">
            <input
              id="q-discard_old"
              type="checkbox"
              checked={discardOld}
              onChange={(e) => setDiscardOld(e.currentTarget.checked)}
            />{" "}
            Discard old items when full
          </label>
        </div>
      </div>
      <button type="submit" disabled={busy}>
        Create queue
      </button>
    </form>
  );
}

export function Queues() {
  const queues = useLoad(() => api.listQueues());
  const [pending, setPending] = useState<{ kind: "purge" | "delete"; name: string } | undefined>();
  const [actionError, setActionError] = useState<unknown>();
  const [notice, setNotice] = useState("");

  const act = async () => {
    if (!pending) return;
    const { kind, name } = pending;
    setPending(undefined);
    setActionError(undefined);
    try {
      if (kind === "purge") await api.purgeQueue(name);
      else await api.deleteQueue(name);
      setNotice(kind === "purge" ? `Queue ${name} purged.` : `Queue ${name} deleted.`);
    } catch (err) {
      setActionError(err);
    }
    void queues.reload();
  };

  return (
    <>
      <h1>Queues</h1>
      <ErrorBox error={queues.error} />
      <ErrorBox error={actionError} onDismiss={() => setActionError(undefined)} />
      {notice ? <Notice>{notice}</Notice> : null}
      {pending ? (
        <Confirm
          title={`${pending.kind === "purge" ? "Purge" : "Delete"} queue ${pending.name}?`}
          action={`${pending.kind === "purge" ? "Purge" : "Delete"} queue ${pending.name}`}
          onCancel={() => setPending(undefined)}
          onConfirm={() => void act()}
        >
          <p>
            {pending.kind === "purge"
              ? `Every work item waiting in ${pending.name} is dropped. The tasks stay stored.`
              : `Queue ${pending.name} and its waiting work items are removed. The tasks stay stored.`}
          </p>
        </Confirm>
      ) : null}
      <table>
        <thead>
          <tr>
            <th scope="col">Queue</th>
            <th scope="col">Entries</th>
            <th scope="col">In flight</th>
            <th scope="col">Bytes</th>
            <th scope="col">Max age</th>
            <th scope="col">Max entries</th>
            <th scope="col">Discard old</th>
            <th scope="col">Max tries</th>
            <th scope="col">Max runtime</th>
            <th scope="col">Max concurrent</th>
            <th scope="col">Storage</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {(queues.data ?? []).map((q) => (
            <tr key={q.name} data-queue={q.name}>
              <th scope="row">
                <a href={`#/tasks?queue=${encodeURIComponent(q.name)}`}>{q.name}</a>
              </th>
              <td>{q.entries ?? ""}</td>
              <td>{q.in_flight ?? ""}</td>
              <td>{fmtBytes(q.bytes)}</td>
              <td>{fmtNs(q.max_age)}</td>
              <td>{fmtLimit(q.max_entries)}</td>
              <td>{q.discard_old ? "yes" : "no"}</td>
              <td>{fmtLimit(q.max_tries)}</td>
              <td>{fmtNs(q.max_runtime)}</td>
              <td>{q.max_concurrent ?? ""}</td>
              <td>
                {q.memory ? "memory" : "file"}
                {q.replicas ? `, ${q.replicas}×` : ""}
              </td>
              <td class="actions">
                <button
                  type="button"
                  aria-label={`Purge queue ${q.name}`}
                  onClick={() => setPending({ kind: "purge", name: q.name })}
                >
                  Purge
                </button>
                <button
                  type="button"
                  class="danger"
                  aria-label={`Delete queue ${q.name}`}
                  onClick={() => setPending({ kind: "delete", name: q.name })}
                >
                  Delete
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <CreateQueue
        onCreated={(name) => {
          setNotice(`Queue ${name} created.`);
          void queues.reload();
        }}
      />
    </>
  );
}
