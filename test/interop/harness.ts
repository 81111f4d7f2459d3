/**
 * One interop test file's world: a fresh nats-server, a TypeScript client on it, the compiled
 * `ajc`, the Go `ajc` and gohelper, each pointed at that server, and ways to wait for a task to
 * reach a state whoever processes it.
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Task } from "../../src/core/task.ts";
import {
  type AjcProcess,
  ajcBinary,
  type RunResult,
  runAjc,
  runProgram,
  spawnProgram,
} from "../helpers/binary.ts";
import { startTestEnv, type TestEnv } from "../helpers/client.ts";
import { type GoTools, goTools, natsContextEnv } from "./go-tools.ts";

export interface Interop extends TestEnv {
  go: GoTools;
  /** Environment for the Go CLI (a NATS context under a private XDG_CONFIG_HOME). */
  goEnv: Record<string, string>;
  /** Environment for our `ajc` (NATS_URL). */
  ajcEnv: Record<string, string>;
  /** Runs the Go `ajc`. */
  goAjc(...args: string[]): Promise<RunResult>;
  /** Runs our compiled `ajc`. */
  ajc(...args: string[]): Promise<RunResult>;
  /** Runs a gohelper command (the NATS URL is put first) and parses its JSON answer. */
  helper<T = GoTask>(cmd: string, ...args: string[]): Promise<T>;
  /** Starts a long-running Go program (gohelper worker, Go CLI processor or scheduler). */
  spawnGo(bin: "ajc" | "helper", args: string[]): AjcProcess;
  /** Starts our compiled `ajc` long-running. */
  spawnAjc(args: string[]): AjcProcess;
  /** Polls the task until `done(task)` holds (throws with the last state after `timeoutMs`). */
  waitTask(id: string, done: (t: Task) => boolean, timeoutMs?: number): Promise<Task>;
  /** An executable shell script in a temporary directory (removed with the env). */
  script(body: string): string;
  close(): Promise<void>;
}

/** A task as the Go library writes it to JSON (gohelper prints these). */
export interface GoTask {
  id: string;
  type: string;
  queue: string;
  payload?: string;
  state: string;
  tries: number;
  max_tries: number;
  result?: { payload: unknown; completed: string };
  last_err?: string;
  signature?: string;
  dependencies?: string[];
  deadline?: string;
}

/** Every terminal state: a task in one is never handled again. */
export const FINAL_STATES = new Set(["complete", "expired", "terminated", "unreachable"]);

/** Starts the world; builds the Go tools and `ajc` first if this run has not. */
export async function startInterop(): Promise<Interop> {
  const go = goTools();
  ajcBinary();
  const env = await startTestEnv();
  const ctx = natsContextEnv(env.nats.url);
  const scripts = mkdtempSync(join(tmpdir(), "ajc-interop-scripts-"));
  const spawned: AjcProcess[] = [];
  const goEnv = { ...ctx.env, NATS_URL: env.nats.url };
  const ajcEnv = { NATS_URL: env.nats.url };
  let scriptCount = 0;
  return {
    ...env,
    go,
    goEnv,
    ajcEnv,
    goAjc: (...args) => runProgram(go.ajc, args, { env: goEnv }),
    ajc: (...args) => runAjc(args, { env: ajcEnv }),
    async helper<T>(cmd: string, ...args: string[]): Promise<T> {
      const r = await runProgram(go.helper, [cmd, env.nats.url, ...args]);
      const line = r.stdout.trim().split("\n").pop() ?? "";
      if (r.code !== 0) throw new Error(`gohelper ${cmd} ${args.join(" ")}: ${line} ${r.stderr}`);
      return JSON.parse(line) as T;
    },
    spawnGo(bin, args) {
      const p = spawnProgram(bin === "ajc" ? go.ajc : go.helper, args, { env: goEnv });
      spawned.push(p);
      return p;
    },
    spawnAjc(args) {
      const p = spawnProgram(ajcBinary(), args, { env: ajcEnv });
      spawned.push(p);
      return p;
    },
    async waitTask(id, done, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const t = await env.client.loadTask(id);
        if (done(t)) return t;
        if (Date.now() > deadline) throw new Error(`task ${id} still ${JSON.stringify(t)}`);
        await Bun.sleep(50);
      }
    },
    script(body) {
      const path = join(scripts, `handler-${++scriptCount}.sh`);
      writeFileSync(path, `#!/bin/sh\n${body}\n`);
      chmodSync(path, 0o755);
      return path;
    },
    async close() {
      for (const p of spawned) await p.stop("SIGKILL");
      ctx.remove();
      rmSync(scripts, { recursive: true, force: true });
      await env.close();
    },
  };
}

/** The payload of a task as text. */
export const payloadText = (t: { payload?: string | null }) =>
  t.payload ? Buffer.from(t.payload, "base64").toString() : "";

/** The id `ajc task add` (ours or Go's) reports. */
export function enqueuedId(r: RunResult | string): string {
  const text = typeof r === "string" ? r : r.stdout + r.stderr;
  const m = /Enqueued task (\S+)/.exec(text);
  if (!m?.[1]) throw new Error(`no task id in:\n${text}`);
  return m[1];
}
