/**
 * Tools for the fault and load tests (test/reliability): the compiled server as a real process that
 * can be killed and started again on the same port, requests with a hard time bound and their
 * outcome recorded (never thrown), paced enqueue clients, the accounting of what was acknowledged
 * against what is stored, and the server's resident memory.
 */
import { appendFileSync, readFileSync } from "node:fs";
import type { Client } from "../../src/client.ts";
import type { Task } from "../../src/core/task.ts";
import { type AjcProcess, spawnAjc } from "./binary.ts";
import { freePort } from "./nats.ts";
import { ContractError, checkedFetch } from "./openapi.ts";

/** Waits until `ok` holds (errors count as not yet), polling; throws after `timeoutMs`. */
export async function until(what: string, ok: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await ok().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(50);
  }
}

/** What one request ended as. `status` 0 means no answer (refused, reset, or cut off by the bound). */
export interface Outcome {
  status: number;
  /** When the request was sent (Date.now()). */
  at?: number;
  /** Time to the complete answer (or the failure). */
  ms: number;
  // biome-ignore lint/suspicious/noExplicitAny: tests read response bodies freely
  body?: any;
  location?: string | null;
  /** The network failure, or `hung` when the bound cut the request off. */
  error?: string;
  /** Set when the answer broke the OpenAPI contract. */
  contract?: string;
}

export interface CallOpts {
  json?: unknown;
  headers?: Record<string, string>;
  /** Hard bound on the whole request; a request still running then is recorded as `hung`. */
  timeoutMs?: number;
}

/**
 * One request through the contract check (test/helpers/openapi.ts), bounded in time. Never
 * throws: a refused connection, a reset or a hung request come back as status 0 with `error`, a
 * contract breach with `contract`.
 */
export async function timedCall(
  base: string,
  method: string,
  path: string,
  opts: CallOpts = {},
): Promise<Outcome> {
  const headers: Record<string, string> = { ...opts.headers };
  let body: string | undefined;
  if (opts.json !== undefined) {
    body = JSON.stringify(opts.json);
    headers["content-type"] = "application/json";
  }
  const t0 = performance.now();
  const at = Date.now();
  try {
    const r = await checkedFetch(`${base}${path}`, {
      method,
      headers,
      body,
      signal: AbortSignal.timeout(opts.timeoutMs ?? 15_000),
    });
    return {
      status: r.status,
      at,
      ms: performance.now() - t0,
      body: r.body,
      location: r.headers.get("location"),
    };
  } catch (err) {
    const ms = performance.now() - t0;
    if (err instanceof ContractError) return { status: -1, at, ms, contract: err.message };
    const name = (err as Error)?.name;
    if (name === "TimeoutError" || name === "AbortError") return { status: 0, at, ms, error: "hung" };
    return { status: 0, at, ms, error: String((err as Error)?.message ?? err) };
  }
}

/** Resident memory of a process in KiB (VmRSS in /proc/<pid>/status; Linux). */
export function vmRssKb(pid: number): number {
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  if (!m) throw new Error(`no VmRSS for ${pid}`);
  return Number(m[1]);
}

/** `ajc server run` as a process that can be killed and started again on the same port. */
export class ServerProcess {
  proc: AjcProcess | undefined;
  readonly url: string;
  /** Output of every process started so far (earlier runs first). */
  #earlier = "";

  private constructor(
    readonly port: number,
    private readonly args: string[],
    private readonly env: Record<string, string>,
  ) {
    this.url = `http://127.0.0.1:${port}`;
  }

  /** Starts the server (`--bind` on a free loopback port) and waits for its listening line. */
  static async start(natsUrl: string, args: string[]): Promise<ServerProcess> {
    return ServerProcess.startWith(natsUrl, args, {});
  }

  /** As `start`, with more environment (AJC_* settings) for the process. */
  static async startWith(
    natsUrl: string,
    args: string[],
    env: Record<string, string>,
  ): Promise<ServerProcess> {
    const s = new ServerProcess(await freePort(), args, { NATS_URL: natsUrl, ...env });
    await s.start();
    return s;
  }

  get pid(): number {
    if (!this.proc) throw new Error("the server is not running");
    return this.proc.proc.pid;
  }

  get running(): boolean {
    return this.proc !== undefined && this.proc.proc.exitCode === null && this.proc.proc.signalCode === null;
  }

  async start(): Promise<void> {
    if (this.proc) this.#earlier += this.proc.output();
    this.proc = spawnAjc(["server", "run", "--bind", `127.0.0.1:${this.port}`, ...this.args], {
      env: this.env,
    });
    await this.proc.waitFor(`listening on 127.0.0.1:${this.port}`);
  }

  /** SIGKILL: no shutdown of any kind. */
  async kill9(): Promise<void> {
    await this.proc?.stop("SIGKILL");
  }

  /** Graceful stop; the exit code. */
  async stop(): Promise<number> {
    return (await this.proc?.stop("SIGTERM")) ?? 0;
  }

  output(): string {
    return this.#earlier + (this.proc?.output() ?? "");
  }

  call(method: string, path: string, opts?: CallOpts): Promise<Outcome> {
    return timedCall(this.url, method, path, opts);
  }
}

/** One create-task request of a load run and every attempt made with its key. */
export interface Enqueue {
  key: string;
  body: { type: string; payload: { key: string }; queue?: string; payload_base64?: string };
  /** The 4xx reason a deliberately invalid request must get (no task may be stored for it). */
  invalid?: string;
  attempts: Outcome[];
}

/** The acknowledged id of an enqueue: from its first 200/201. */
export function ackedId(e: Enqueue): string | undefined {
  return e.attempts.find((a) => a.status === 200 || a.status === 201)?.body?.id;
}

/**
 * Enqueues at a steady rate from `clients` concurrent clients (each sends one request at a time,
 * `perClientRate` a second, every request with its own Idempotency-Key) until `stop()` is called
 * or `maxSeconds` pass. `url()` is read for every request, so the target may change.
 */
export function enqueueLoad(opts: {
  url: () => string;
  run: string;
  type: string;
  clients: number;
  perClientRate: number;
  maxSeconds: number;
  timeoutMs: number;
  /**
   * Make every 10th request name a queue that does not exist (404 `queue_not_found`) and every
   * 10th another one set both payloads (400 `payload_both_set`): refusals that must store nothing.
   */
  invalid?: boolean;
}): { records: Enqueue[]; stop(): Promise<void> } {
  const records: Enqueue[] = [];
  let stopped = false;
  const interval = 1000 / opts.perClientRate;
  const deadline = Date.now() + opts.maxSeconds * 1000;
  const maxPerClient = Math.ceil(opts.maxSeconds * opts.perClientRate) + 1;
  const client = async (c: number) => {
    for (let n = 0; n < maxPerClient && !stopped && Date.now() < deadline; n++) {
      const t0 = Date.now();
      const key = `${opts.run}-${c}-${n}`;
      const e: Enqueue = { key, body: { type: opts.type, payload: { key } }, attempts: [] };
      if (opts.invalid && n % 10 === 3) {
        e.body.queue = "NO_SUCH_QUEUE";
        e.invalid = "queue_not_found";
      } else if (opts.invalid && n % 10 === 7) {
        e.body.payload_base64 = "e30=";
        e.invalid = "payload_both_set";
      }
      records.push(e);
      e.attempts.push(
        await timedCall(opts.url(), "POST", "/v1/tasks", {
          json: e.body,
          headers: { "Idempotency-Key": key },
          timeoutMs: opts.timeoutMs,
        }),
      );
      const wait = interval - (Date.now() - t0);
      if (wait > 0) await Bun.sleep(wait);
    }
  };
  const all = Promise.all(Array.from({ length: opts.clients }, (_, c) => client(c)));
  return {
    records,
    async stop() {
      stopped = true;
      await all;
    },
  };
}

/**
 * Sends again, with the same key and body, every enqueue that got no 2xx and no 4xx (5xx or no
 * answer), as a well-behaved client does once the service is back; at most `tries` times each.
 */
export async function resendUnanswered(base: string, records: Enqueue[], tries = 5): Promise<number> {
  let resent = 0;
  for (const e of records) {
    for (let i = 0; i < tries; i++) {
      const last = e.attempts[e.attempts.length - 1]!;
      if (e.attempts.some((a) => a.status >= 200 && a.status < 500)) break;
      if (i > 0 && last.status !== 0) await Bun.sleep(200);
      resent++;
      e.attempts.push(
        await timedCall(base, "POST", "/v1/tasks", {
          json: e.body,
          headers: { "Idempotency-Key": e.key },
          timeoutMs: 15_000,
        }),
      );
    }
  }
  return resent;
}

/** Subjects holding a work item in queue `queue`'s stream. */
export async function workItemSubjects(client: Client, queue: string): Promise<Set<string>> {
  const si = await client.storage.jet.jsm.streams.info(`CHORIA_AJ_Q_${queue}`, { subjects_filter: ">" });
  return new Set(Object.keys(si.state.subjects ?? {}));
}

/** The key a load task carries in its payload. */
export function payloadKey(t: Task): string | undefined {
  try {
    return (JSON.parse(Buffer.from(t.payload ?? "", "base64").toString()) as { key?: string }).key;
  } catch {
    return undefined;
  }
}

/** Every stored task of `type`, by the key in its payload. */
export async function tasksByKey(client: Client, type: string): Promise<Map<string, Task[]>> {
  const out = new Map<string, Task[]>();
  for await (const t of client.listTasks()) {
    if (t.type !== type) continue;
    const k = payloadKey(t) ?? "";
    out.set(k, [...(out.get(k) ?? []), t]);
  }
  return out;
}

/** The figures of a load run checked against the store. */
export interface Accounting {
  requests: number;
  attempts: number;
  /** Keys answered 200/201. */
  acknowledged: number;
  /** Keys acknowledged only when sent again after an outage. */
  acknowledgedOnResend: number;
  /** Attempts answered 5xx (503 `unavailable`). */
  refused5xx: number;
  /** Attempts with no answer (connection refused or reset: the server was dead). */
  noAnswer: number;
  /** Keys whose final answer was 4xx. */
  rejected4xx: number;
  /** Deliberately invalid requests (see enqueueLoad's `invalid`). */
  invalidSent: number;
  /** Valid requests answered 4xx, or invalid ones answered otherwise than their reason. */
  wrong4xx: number;
  /** Acknowledged keys whose task or work item is missing, or whose answers disagree. */
  lost: number;
  /** Rejected (4xx) keys with a stored task. */
  storedDespite4xx: number;
  /** Keys with more than one stored task. */
  duplicates: number;
  /** Stored tasks never acknowledged (a 5xx whose write landed): allowed. */
  unacknowledgedStored: number;
  hung: number;
  contractErrors: number;
  maxMs: number;
  /** Why each lost key counts as lost (first few). */
  problems: string[];
}

/**
 * Checks a load run against the store: every acknowledged key has its task (same id in every 2xx,
 * payload carrying the key) in an enqueued state with a work item in `queue` (or, with `completed`,
 * a completed task); no key refused with a 4xx has a task.
 */
export async function account(
  client: Client,
  queue: string,
  type: string,
  records: Enqueue[],
  opts: { completed?: boolean } = {},
): Promise<Accounting> {
  const stored = await tasksByKey(client, type);
  const items = opts.completed ? new Set<string>() : await workItemSubjects(client, queue);
  const a: Accounting = {
    requests: records.length,
    attempts: 0,
    acknowledged: 0,
    acknowledgedOnResend: 0,
    refused5xx: 0,
    noAnswer: 0,
    rejected4xx: 0,
    invalidSent: 0,
    wrong4xx: 0,
    lost: 0,
    storedDespite4xx: 0,
    duplicates: 0,
    unacknowledgedStored: 0,
    hung: 0,
    contractErrors: 0,
    maxMs: 0,
    problems: [],
  };
  const problem = (m: string) => {
    if (a.problems.length < 20) a.problems.push(m);
  };
  for (const e of records) {
    a.attempts += e.attempts.length;
    for (const o of e.attempts) {
      a.maxMs = Math.max(a.maxMs, o.ms);
      if (o.status >= 500) a.refused5xx++;
      if (o.status === 0) a.noAnswer++;
      if (o.error === "hung") a.hung++;
      if (o.contract) {
        a.contractErrors++;
        problem(o.contract);
      }
    }
    const tasks = stored.get(e.key) ?? [];
    if (tasks.length > 1) a.duplicates++;
    if (e.invalid) a.invalidSent++;
    for (const o of e.attempts) {
      const reason = o.body?.error?.details?.reason;
      const wrong = e.invalid
        ? o.status < 500 && o.status > 0 && reason !== e.invalid
        : o.status >= 400 && o.status < 500;
      if (wrong) {
        a.wrong4xx++;
        problem(
          `${e.key}${e.invalid ? ` (invalid: ${e.invalid})` : ""}: answered ${o.status} ${reason ?? ""}`,
        );
      }
    }
    const oks = e.attempts.filter((o) => o.status === 200 || o.status === 201);
    const final = e.attempts[e.attempts.length - 1]!;
    if (oks.length > 0) {
      a.acknowledged++;
      if (e.attempts[0]!.status !== 200 && e.attempts[0]!.status !== 201) a.acknowledgedOnResend++;
      const id = oks[0]!.body.id as string;
      const t = tasks.find((x) => x.id === id);
      const why: string[] = [];
      if (oks.some((o) => o.body.id !== id || o.location !== `/v1/tasks/${id}`))
        why.push("answers disagree on the task");
      if (!t) why.push("task missing");
      else if (opts.completed) {
        if (t.state !== "complete") why.push(`state ${t.state}`);
      } else {
        if (t.state !== "new") why.push(`state ${t.state}`);
        if (!items.has(`CHORIA_AJ.Q.${queue}.${id}`)) why.push("no work item");
      }
      if (why.length > 0) {
        a.lost++;
        problem(`${e.key} ${id}: ${why.join(", ")}; answers ${e.attempts.map((o) => o.status).join(",")}`);
      }
    } else if (final.status >= 400 && final.status < 500) {
      a.rejected4xx++;
      if (tasks.length > 0) {
        a.storedDespite4xx++;
        problem(`${e.key}: answered ${final.status} but stored as ${tasks.map((t) => t.id).join(",")}`);
      }
    }
    const ackedIds = new Set(oks.map((o) => o.body.id as string));
    a.unacknowledgedStored += tasks.filter((t) => !ackedIds.has(t.id)).length;
  }
  return a;
}

/**
 * One line per figure, for the test's output; with AJC_RELIABILITY_FIGURES=<file> also one JSON
 * line in that file (test/reliability/soak-figures.ts turns them into docs/reliability.md's table).
 */
export function report(title: string, figures: object): void {
  const file = process.env.AJC_RELIABILITY_FIGURES;
  if (file) appendFileSync(file, `${JSON.stringify({ title, figures })}\n`);
  const lines = Object.entries(figures)
    .filter(([k]) => k !== "problems")
    .map(([k, v]) => `  ${k}: ${typeof v === "number" && !Number.isInteger(v) ? v.toFixed(1) : v}`);
  console.log(`\n${title}\n${lines.join("\n")}`);
  const problems = (figures as { problems?: string[] }).problems ?? [];
  if (problems.length > 0) console.log(`  problems:\n    ${problems.join("\n    ")}`);
}
