/**
 * The HTTP differential test: the Go `ajc server run`'s recorded answers
 * (fixtures/go-server-transcript.json) replayed, step by step and in order, against the compiled
 * `ajc server run` set up as the recording says, comparing status, the headers Go's answer lists,
 * `error.code`, `details.reason`, `details.field`, the body and its shape. Additions are
 * compatible (a key Go omits, unless null; a reason or field where Go has none). Every other
 * difference is on the allow-list below, naming its row in docs/go-tools.md's "Differences from the Go
 * server" table, or the test fails with a per-step diff.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { type AjcProcess, ajcBinary, runAjc, spawnAjc } from "../helpers/binary.ts";
import { freePort, type NatsServer, startNats } from "../helpers/nats.ts";
import { validateResponse } from "../helpers/openapi.ts";
import {
  type CreatedTask,
  goTasksByStep,
  ourTasksByStep,
  unmatchedCreates,
} from "../helpers/task-listing.ts";
import {
  type AnswerLike,
  allowKey,
  asSets,
  type Difference,
  differences,
  formatDifferences,
  ID_STEPS,
  keyedByName,
  normaliseResponse,
  type RecordedResponse,
  requestOf,
  type Step,
  type Transcript,
} from "../helpers/transcript.ts";
import transcriptJson from "./fixtures/go-server-transcript.json";

const transcript = transcriptJson as Transcript;

/** A difference we keep on purpose: the docs/go-tools.md row that says why, and where it shows. */
interface Allowed {
  /** The table row's name (bold in the table's first column). */
  row: string;
  /** What may differ: `status`, `headers.<name>`, a body path without indices, or `*` (anything). */
  at: string[];
  /**
   * The step may also match Go: set where another change (not yet merged here) will make it
   * differ, so the entry is not reported as stale meanwhile.
   */
  mayMatch?: boolean;
}

const QUEUE_NAMES = "Queue names are checked";
const NEGATIVE_TRIES = "Queue max_tries below -1";
const PAST_DEADLINE = "Past deadlines are refused";
const TASK_QUEUE = "A task's queue is honoured";
const STRICT_JSON = "Strict JSON";
const TOO_LARGE = "Oversized bodies are 413";
const IDEMPOTENCY = "An idempotency key is bound to its body";
const TASK_IDS = "Task ids are checked";
const LIST_PARAMS = "Listing parameters are checked";
const SCHEDULE_ORDER = "Schedules are listed by name";
const SCHEDULE_DELETE = "Deleting a missing schedule is 404";
const ENVELOPE = "Unknown paths and methods answer the error envelope";
const JSON_BODIES = "Request bodies must be JSON";
const FOREIGN_ORIGINS = "Foreign origins cannot change anything";

/** A whole answer of another kind (an error where Go created a task, or the reverse). */
const ANYTHING = ["*"];
const NO_ROUTE = ["headers.content-type", "headers.x-content-type-options", "body"];
/** The security change (dispatch level) refuses these once merged: 415 and 403. */
const jsonBodies: Allowed = { row: JSON_BODIES, at: ANYTHING };
const foreignOrigins: Allowed = { row: FOREIGN_ORIGINS, at: ANYTHING };

/**
 * What may differ, by step. `listed` lets a task-creating step's task be missing from (or extra
 * in) later listings; `*` lets anything differ.
 */
const ALLOWED: Record<string, Allowed[]> = {
  "queue create bad name": [{ row: QUEUE_NAMES, at: ["status", "error.code"] }],
  "queue create dotted name": [{ row: QUEUE_NAMES, at: ["status", "error.code"] }],
  "queue create negative max_tries": [{ row: NEGATIVE_TRIES, at: ["max_tries"] }],
  "queue list": [{ row: NEGATIVE_TRIES, at: ["queues.NEGTRIES.max_tries"] }],
  "task create past deadline": [{ row: PAST_DEADLINE, at: ANYTHING }],
  "task create queue other": [{ row: TASK_QUEUE, at: ["queue", "listed"] }],
  "task create queue missing": [{ row: TASK_QUEUE, at: ANYTHING }],
  "task create trailing data": [{ row: STRICT_JSON, at: ANYTHING }],
  "task create text/plain": [jsonBodies],
  "task create no content-type": [jsonBodies],
  "task create cross-origin": [foreignOrigins],
  "task create oversized": [{ row: TOO_LARGE, at: ["status", "error.code", "error.details.reason"] }],
  "task create idempotent other body": [{ row: IDEMPOTENCY, at: ANYTHING }],
  "task get bad id": [{ row: TASK_IDS, at: ["status", "error.code", "error.details.reason"] }],
  "task list state bogus": [{ row: LIST_PARAMS, at: ANYTHING }],
  "task list stream bogus": [{ row: LIST_PARAMS, at: ANYTHING }],
  "schedule list": [{ row: SCHEDULE_ORDER, at: ["schedules.order"] }],
  "schedule delete again": [{ row: SCHEDULE_DELETE, at: ANYTHING }],
  "unknown path": [{ row: ENVELOPE, at: NO_ROUTE }],
  "unversioned path": [{ row: ENVELOPE, at: NO_ROUTE }],
  root: [{ row: ENVELOPE, at: NO_ROUTE }],
  "wrong method tasks": [{ row: ENVELOPE, at: NO_ROUTE }],
  "wrong method queues": [{ row: ENVELOPE, at: NO_ROUTE }],
  "wrong method task": [{ row: ENVELOPE, at: NO_ROUTE }],
  "options tasks": [{ row: ENVELOPE, at: NO_ROUTE }],
};

let nats: NatsServer;
let server: AjcProcess;
let base: string;

beforeAll(async () => {
  ajcBinary();
  nats = await startNats();
  const env = { NATS_URL: nats.url };
  const add = await runAjc(["queue", "add", "Q"], { env });
  if (add.code !== 0) throw new Error(`ajc queue add Q failed: ${add.stderr}`);
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  // The console is off: Go serves none, and with it on `/` redirects to it (docs/go-tools.md: "A console
  // is served"; test/http/console.test.ts). The rest is the API, compared step by step.
  server = spawnAjc(["server", "run", "--queue", "Q", "--bind", `127.0.0.1:${port}`, "--ui=false"], { env });
  await server.waitFor("listening on");
});

afterAll(async () => {
  await server?.stop("SIGKILL");
  await nats?.close();
});

function allowedBy(step: string, d: Difference): Allowed | undefined {
  const key = allowKey(d.path);
  return (ALLOWED[step] ?? []).find((e) =>
    e.at.some((a) => a === "*" || key === a || key.startsWith(`${a}.`)),
  );
}

/** The step a listing difference belongs to (`body.tasks.<step>…`) and the path within that task. */
function listedTask(d: Difference): { step: string; rest: string } | undefined {
  const m = /^body\.tasks\.([^.[]+)(.*)$/.exec(d.path);
  if (!m) return undefined;
  return { step: m[1]!, rest: m[2] ? `body${m[2]}` : "listed" };
}

/** True when a step's task may be missing from a listing (or be there only on our side). */
function mayBeUnlisted(step: string): boolean {
  return (ALLOWED[step] ?? []).some((e) => e.at.some((a) => a === "*" || a === "listed"));
}

/**
 * Brings a listing to a comparable form: tasks keyed by the step that created them, queues and
 * schedules by name. Returns the difference in lines for the NDJSON step, which records a count.
 */
function comparable(
  step: Step,
  ours: RecordedResponse,
  created: CreatedTask[],
): { go: RecordedResponse; ours: RecordedResponse } {
  const go: RecordedResponse = structuredClone(step.response);
  const oursC: RecordedResponse = structuredClone({ ...ours, raw: undefined });
  const gb = go.body as Record<string, unknown> | undefined;
  const ob = oursC.body as Record<string, unknown> | undefined;
  if (step.name === "openapi") {
    go.body = asSets(go.body);
    oursC.body = asSets(oursC.body);
    return { go, ours: oursC };
  }
  if (!gb || !ob || typeof gb !== "object" || typeof ob !== "object") return { go, ours: oursC };
  const raw = (ours.raw ?? {}) as Record<string, unknown>;
  if (Array.isArray(gb.tasks) && Array.isArray(ob.tasks) && Array.isArray(raw.tasks)) {
    const g = goTasksByStep(gb.tasks, created);
    const o = ourTasksByStep(ob.tasks, raw.tasks, created);
    if (g && o) {
      gb.tasks = g;
      ob.tasks = o;
      // The count follows from the tasks; ours must agree with our own list.
      if (ob.count !== (raw.tasks as unknown[]).length)
        ob.count = `${ob.count} for ${raw.tasks.length} tasks`;
      else ob.count = gb.count;
    }
  }
  if (typeof gb.lines === "number" && typeof ob.lines === "number") {
    // NDJSON: Go recorded only the count. It agrees when the tasks one side has and the other
    // has not are exactly the creates allowed to differ.
    const { goOnly, oursOnly } = unmatchedCreates(created);
    const explained = [...goOnly, ...oursOnly].every(mayBeUnlisted);
    if (explained && ob.lines === gb.lines - goOnly.length + oursOnly.length) ob.lines = gb.lines;
  }
  for (const list of ["queues", "schedules"]) {
    if (Array.isArray(gb[list]) && Array.isArray(ob[list])) {
      gb[list] = keyedByName(gb[list]);
      ob[list] = keyedByName(ob[list]);
    }
  }
  return { go, ours: oursC };
}

function ndjson(res: AnswerLike): boolean {
  return (res.headers.get("content-type") ?? "").startsWith("application/x-ndjson");
}

function isCreate(step: Step): boolean {
  return step.request.method === "POST" && step.request.path === "/v1/tasks";
}

describe("the Go server's recorded answers", () => {
  test("every step answers as Go did, or differs only as the allow-list says", async () => {
    const ids: Record<string, string> = {};
    const failures: string[] = [];
    const used = new Set<string>();
    const created: CreatedTask[] = [];
    for (const step of transcript.steps) {
      const { path, init } = requestOf(step.request, ids);
      const res = await fetch(base + path, init);
      const ours = await normaliseResponse(step, res.clone());
      // Our answer must keep our own contract too, whatever Go answered.
      try {
        validateResponse({
          method: step.request.method,
          path: new URL(base + path).pathname,
          status: res.status,
          contentType: res.headers.get("content-type"),
          body: ndjson(res) ? (ours.raw as { tasks: unknown[] }).tasks : (ours.raw ?? (await res.text())),
          headers: res.headers,
        });
      } catch (err) {
        failures.push(`step "${step.name}": ${(err as Error).message}`);
      }
      const raw = ours.raw as { id?: string } | undefined;
      for (const [k, name] of Object.entries(ID_STEPS)) if (name === step.name && raw?.id) ids[k] = raw.id;
      const pair = comparable(step, ours, created);
      if (isCreate(step)) {
        created.push({
          step: step.name,
          go: step.response.status === 201 ? step.response.body : undefined,
          oursId: ours.status === 201 ? raw?.id : undefined,
        });
      }
      const unexpected: Difference[] = [];
      for (const d of differences(pair.go, pair.ours)) {
        const listed = listedTask(d);
        const entry = listed ? allowedBy(listed.step, { ...d, path: listed.rest }) : allowedBy(step.name, d);
        if (entry && !listed) used.add(`${step.name}\u0000${entry.row}`);
        if (!entry) unexpected.push(d);
      }
      if (unexpected.length) failures.push(formatDifferences(step.name, unexpected));
    }
    const stale = Object.entries(ALLOWED).flatMap(([name, entries]) =>
      entries
        .filter((e) => !e.mayMatch && !used.has(`${name}\u0000${e.row}`))
        .map((e) => `allow-list entry "${name}" (${e.row}) no longer differs: remove it`),
    );
    const unknown = Object.keys(ALLOWED)
      .filter((n) => !transcript.steps.some((s) => s.name === n))
      .map((n) => `allow-list entry "${n}" names no step`);
    const all = [...failures, ...stale, ...unknown];
    if (all.length) throw new Error(`${all.length} problem(s):\n${all.join("\n")}`);
    expect(all).toEqual([]);
  });
});

/** The bold row names of docs/go-tools.md's "Differences from the Go server" table, with each row's text. */
function tableRows(): Map<string, string> {
  const page = readFileSync(join(import.meta.dir, "..", "..", "docs", "go-tools.md"), "utf8");
  const start = page.indexOf("\n## Differences from the Go server\n");
  if (start < 0) throw new Error('docs/go-tools.md has no "## Differences from the Go server" section');
  const end = page.indexOf("\n## ", start + 1);
  const rows = new Map<string, string>();
  for (const line of page.slice(start, end < 0 ? undefined : end).split("\n")) {
    const m = /^\| \*\*(.+?)\*\*/.exec(line);
    if (m) rows.set(m[1]!, line);
  }
  return rows;
}

describe("docs/go-tools.md's table of differences", () => {
  test("names every allow-list row, and every row it pins on this test is on the allow-list", () => {
    const rows = tableRows();
    const allowed = new Set(Object.values(ALLOWED).flatMap((entries) => entries.map((e) => e.row)));
    const missing = [...allowed].filter((r) => !rows.has(r));
    expect(missing).toEqual([]);
    const pinnedHere = [...rows].filter(([, line]) => line.includes("differential.test.ts")).map(([r]) => r);
    expect(pinnedHere.filter((r) => !allowed.has(r))).toEqual([]);
    for (const r of allowed) expect(rows.get(r)).toContain("differential.test.ts");
  });

  test("every row names a test, and each test it names exists", () => {
    const root = join(import.meta.dir, "..", "..");
    const problems: string[] = [];
    for (const [row, line] of tableRows()) {
      const last = line.split(" | ").at(-1) ?? "";
      const paths = [...last.matchAll(/`(test\/[^`]+\.ts)`/g)].map((m) => m[1]!);
      if (paths.length === 0) problems.push(`${row}: names no test`);
      for (const p of paths) if (!existsSync(join(root, p))) problems.push(`${row}: ${p} does not exist`);
    }
    expect(problems).toEqual([]);
  });
});
