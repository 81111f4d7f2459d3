/** Pieces every page uses: the error box, a confirmation dialog, a labelled field, loading. */
import type { ComponentChildren } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import { ApiError } from "./api.ts";

/** An API error as the operator should see it: the message, and the reason (and field) in code. */
export function ErrorBox({ error, onDismiss }: { error: unknown; onDismiss?: () => void }) {
  if (error === undefined || error === null) return null;
  const e = error instanceof ApiError ? error : undefined;
  return (
    <div class="error" role="alert">
      <strong>{e ? `Error ${e.status || ""}` : "Error"}</strong>{" "}
      <span class="error-message">{error instanceof Error ? error.message : String(error)}</span>
      {e?.reason ? (
        <>
          {" "}
          <code class="error-reason">{e.reason}</code>
        </>
      ) : null}
      {e?.field ? <span class="error-field"> (field {e.field})</span> : null}
      {onDismiss ? (
        <button type="button" class="link" onClick={onDismiss} aria-label="Dismiss error">
          ×
        </button>
      ) : null}
    </div>
  );
}

/** A notice that is not an error: what an action did. */
export function Notice({ children }: { children: ComponentChildren }) {
  return (
    <div class="notice" role="status">
      {children}
    </div>
  );
}

/**
 * A modal confirmation (the native <dialog>: focus moves in, Escape cancels). The action button
 * names what it does to what, e.g. "Purge queue EMAIL".
 */
export function Confirm(props: {
  title: string;
  children: ComponentChildren;
  action: string;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = ref.current;
    if (d && !d.open) d.showModal();
    return () => d?.close();
  }, []);
  return (
    <dialog ref={ref} aria-labelledby="confirm-title" onCancel={props.onCancel} onClose={props.onCancel}>
      <h2 id="confirm-title">{props.title}</h2>
      <div>{props.children}</div>
      <div class="actions">
        <button type="button" onClick={props.onCancel}>
          Cancel
        </button>
        <button type="button" class="danger" onClick={props.onConfirm}>
          {props.action}
        </button>
      </div>
    </dialog>
  );
}

/** A labelled form control with its validation error beside it (from the envelope's field). */
export function Field(props: {
  id: string;
  label: string;
  error?: string;
  hint?: string;
  children: ComponentChildren;
}) {
  const errId = `${props.id}-error`;
  return (
    <div class={`field${props.error ? " invalid" : ""}`}>
      <label for={props.id}>{props.label}</label>
      {props.children}
      {props.hint ? <small class="hint">{props.hint}</small> : null}
      {props.error ? (
        <small class="field-error" id={errId} role="alert">
          {props.error}
        </small>
      ) : null}
    </div>
  );
}

/** A value that loads from the API and can be reloaded; errors are kept, not thrown away. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[] = []) {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const [loading, setLoading] = useState(true);
  const seq = useRef(0);
  const reload = async () => {
    const mine = ++seq.current;
    setLoading(true);
    try {
      const v = await load();
      if (mine === seq.current) {
        setData(v);
        setError(undefined);
      }
    } catch (err) {
      if (mine === seq.current) setError(err);
    } finally {
      if (mine === seq.current) setLoading(false);
    }
  };
  useEffect(() => {
    void reload();
  }, deps);
  return { data, error, loading, reload, setError };
}

/** A state badge. */
export const StateBadge = ({ state }: { state: string }) => (
  <span class={`badge state-${state}`}>{state}</span>
);
