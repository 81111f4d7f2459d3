/**
 * Faults: many retries and deletes of the same task at once, over HTTP. The end state is always
 * consistent (the task exists in a valid state with exactly one work item, or it is gone), a
 * conflict is a 409 (never a 500), and no acknowledged change is lost.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { type ApiEnv, startApi } from "../helpers/http.ts";
import { type Outcome, report, timedCall, workItemSubjects } from "../helpers/reliability.ts";

let api: ApiEnv;
beforeAll(async () => {
  api = await startApi();
});
afterAll(() => api.close());

const ROUNDS = 12;

async function newTask(): Promise<string> {
  const r = await timedCall(api.url, "POST", "/v1/tasks", { json: { type: "contended" } });
  expect(r.status).toBe(201);
  return r.body.id;
}

async function hasItem(id: string): Promise<boolean> {
  return (await workItemSubjects(api.client, "EMAIL")).has(`CHORIA_AJ.Q.EMAIL.${id}`);
}

async function exists(id: string): Promise<boolean> {
  const r = await timedCall(api.url, "GET", `/v1/tasks/${id}`);
  expect([200, 404]).toContain(r.status);
  return r.status === 200;
}

function tally(outcomes: (Outcome & { op?: string })[]): Record<string, number> {
  const t: Record<string, number> = {};
  for (const o of outcomes) {
    const bulk = o.body?.results?.[0]?.status;
    const k = `${o.op ? `${o.op} ` : ""}${o.status}${o.body?.error ? ` ${o.body.error.details.reason}` : bulk ? ` bulk ${bulk}` : ""}`;
    t[k] = (t[k] ?? 0) + 1;
  }
  return t;
}

test("many retries of one task at once: 200 or 409, and exactly one work item", async () => {
  const seen: Outcome[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const id = await newTask();
    const all = await Promise.all(
      Array.from({ length: 16 }, () => timedCall(api.url, "POST", `/v1/tasks/${id}/retry`)),
    );
    seen.push(...all);
    for (const o of all) {
      expect([200, 409]).toContain(o.status);
      if (o.status === 409) expect(o.body.error.code).toBe("conflict");
    }
    expect(all.some((o) => o.status === 200)).toBe(true);
    const t = await api.client.loadTask(id);
    expect(t.state).toBe("retry");
    expect(await hasItem(id)).toBe(true);
  }
  report("concurrent retries (16 at once, 12 tasks)", tally(seen));
  expect(seen.filter((o) => o.status >= 500 || o.status <= 0)).toEqual([]);
});

test("many deletes of one task at once: one 204, the rest 404, never a 500", async () => {
  const seen: Outcome[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const id = await newTask();
    const all = await Promise.all(
      Array.from({ length: 16 }, () => timedCall(api.url, "DELETE", `/v1/tasks/${id}`)),
    );
    seen.push(...all);
    for (const o of all) expect([204, 404, 409], JSON.stringify(o)).toContain(o.status);
    expect(all.filter((o) => o.status === 204)).toHaveLength(1);
    expect(await exists(id)).toBe(false);
  }
  report("concurrent deletes (16 at once, 12 tasks)", tally(seen));
  expect(seen.filter((o) => o.status >= 500 || o.status <= 0)).toEqual([]);
});

test("retries, bulk retries and deletes of one task at once: consistent end state, conflicts are 409", async () => {
  const seen: (Outcome & { op: string })[] = [];
  let gone = 0;
  let kept = 0;
  let itemsOfDeleted = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const id = await newTask();
    // Interleaved: deletes start among the retries, not all before or after them. Odd rounds send
    // a single delete last, which a concurrent retry's save can beat (409): then the task stays.
    const calls: Promise<Outcome & { op: string }>[] = [];
    for (let i = 0; i < 24; i++) {
      const op = (round % 2 === 0 ? i % 3 === 0 : i === 23) ? "delete" : i % 2 === 1 ? "retry" : "bulk";
      const p =
        op === "delete"
          ? timedCall(api.url, "DELETE", `/v1/tasks/${id}`)
          : op === "retry"
            ? timedCall(api.url, "POST", `/v1/tasks/${id}/retry`)
            : timedCall(api.url, "POST", "/v1/tasks/retry", { json: { ids: [id] } });
      calls.push(p.then((o) => ({ ...o, op })));
    }
    const all = await Promise.all(calls);
    seen.push(...all);
    for (const o of all) {
      if (o.op === "delete") expect([204, 404, 409], JSON.stringify(o)).toContain(o.status);
      if (o.op === "retry") expect([200, 404, 409]).toContain(o.status);
      if (o.op === "bulk") {
        expect(o.status).toBe(200);
        const [r] = o.body.results;
        expect(["ok", "not_found", "failed"]).toContain(r.status);
        if (r.status === "failed") expect(r.error).not.toBe("internal error");
      }
      if (o.status === 409) expect(["conflict", "duplicate"]).toContain(o.body.error.code);
    }
    const deleted = all.some((o) => o.op === "delete" && o.status === 204);
    if (await exists(id)) {
      // Nothing deleted it: the last acknowledged retry holds, with its work item.
      kept++;
      expect(deleted).toBe(false);
      expect((await api.client.loadTask(id)).state).toBe("retry");
      expect(await hasItem(id)).toBe(true);
    } else {
      gone++;
      expect(deleted).toBe(true);
      // Deleting a task leaves its work item (as in Go); a worker drops (terminates) an item whose
      // task is missing without running anything.
      if (await hasItem(id)) itemsOfDeleted++;
    }
  }
  const statuses = tally(seen);
  report("concurrent retries, bulk retries and deletes (24 at once, 12 tasks)", {
    ...statuses,
    gone,
    kept,
    itemsOfDeleted,
  });
  expect(seen.filter((o) => o.status >= 500 || o.status <= 0)).toEqual([]);
});
