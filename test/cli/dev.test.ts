/**
 * `ajc dev` from the compiled binary, as a person uses it: it starts its own nats-server (the one on
 * PATH), a task sent with curl is completed by its worker, and whatever way it stops (SIGTERM,
 * SIGKILL) it leaves no nats-server behind; its data outlives it unless it is --ephemeral; a second
 * one on the same data directory refuses. No NATS is started by the test itself.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type AjcProcess, ajcBinary, runAjc, spawnAjc } from "../helpers/binary.ts";

let root: string;
let env: Record<string, string>;
let handler: string;

beforeAll(() => {
  ajcBinary();
  root = mkdtempSync(join(tmpdir(), "ajc-dev-test-"));
  // A private HOME and TMPDIR: the default data directory and --ephemeral's land inside root.
  mkdirs(join(root, "home"), join(root, "tmp"));
  env = { HOME: join(root, "home"), TMPDIR: join(root, "tmp") };
  handler = join(root, "handler.sh");
  writeFileSync(handler, '#!/bin/sh\necho "handled $(wc -c < "$CHORIA_AJ_TASK") bytes"\n', { mode: 0o755 });
});
afterAll(async () => {
  // A test that failed part way may have left its ajc dev running: kill it (its nats-server follows).
  for (const p of started) if (p.proc.exitCode === null) await p.stop("SIGKILL");
  rmSync(root, { recursive: true, force: true });
});

const started: AjcProcess[] = [];

function mkdirs(...dirs: string[]) {
  for (const d of dirs) Bun.spawnSync(["mkdir", "-p", d]);
}

/** Pids of processes whose command line mentions `text` (our data directories are unique). */
function processesMentioning(text: string): number[] {
  const pids: number[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${name}/cmdline`, "utf8").includes(text)) pids.push(Number(name));
    } catch {}
  }
  return pids;
}

/** --ephemeral data directories under our TMPDIR (a killed worker's task files may be there too). */
function ephemeralDirs(): string[] {
  return readdirSync(join(root, "tmp")).filter((n) => n.startsWith("ajc-dev-"));
}

async function eventually(what: string, ok: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs}ms: ${what}`);
    await Bun.sleep(50);
  }
}

interface Dev {
  proc: AjcProcess;
  api: string;
  natsUrl: string;
  dataDir: string;
}

/** Starts `ajc dev` on free ports and waits for its ready text. */
async function startDev(...args: string[]): Promise<Dev> {
  const proc = spawnAjc(["dev", "--port", "0", "--nats-port", "0", ...args], { env });
  started.push(proc);
  await proc.waitFor(/enqueue a task:\n.*curl/, 30_000);
  const out = proc.output();
  return {
    proc,
    api: /HTTP API\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(out)![1]!,
    natsUrl: /export NATS_URL=(\S+)/.exec(out)![1]!,
    dataDir: /data in (.+?)\);/.exec(out)![1]!,
  };
}

/** Signals `ajc dev` and waits for its exit code; a stop that hangs fails with its output. */
async function stopDev(dev: Dev, signal: NodeJS.Signals = "SIGTERM"): Promise<number> {
  const code = await Promise.race([dev.proc.stop(signal), Bun.sleep(20_000).then(() => undefined)]);
  if (code === undefined) throw new Error(`ajc dev did not stop on ${signal}:\n${dev.proc.output()}`);
  return code;
}

/** POSTs a task with curl, as the ready text suggests; returns its id. */
async function curlTask(api: string, type: string): Promise<string> {
  const body = JSON.stringify({ type, payload: { hello: "world" } });
  const r = Bun.spawnSync([
    "curl",
    "-sf",
    "-X",
    "POST",
    `${api}/v1/tasks`,
    "-H",
    "Content-Type: application/json",
    "-d",
    body,
  ]);
  expect(r.exitCode).toBe(0);
  return (JSON.parse(r.stdout.toString()) as { id: string }).id;
}

async function taskState(api: string, id: string): Promise<{ state: string; result?: unknown }> {
  const r = await fetch(`${api}/v1/tasks/${id}`);
  expect(r.status).toBe(200);
  return (await r.json()) as { state: string; result?: unknown };
}

describe("ajc dev", () => {
  test("comes up, a task sent with curl is completed by its worker, SIGTERM leaves no nats-server", async () => {
    const data = join(root, "data-up");
    const dev = await startDev("--data", data, "--worker", `demo=${handler}`);
    expect(dev.dataDir).toBe(data);
    expect(dev.proc.output()).toContain(`export NATS_URL=nats://127.0.0.1:`);
    expect(processesMentioning(data).length).toBeGreaterThan(0);
    expect(dev.proc.output()).toContain(`  console      ${dev.api}/ui/`);
    const ui = await fetch(`${dev.api}/ui/`);
    expect([ui.status, ui.headers.get("content-type")]).toEqual([200, "text/html; charset=utf-8"]);
    await ui.arrayBuffer();

    const id = await curlTask(dev.api, "demo");
    let task = await taskState(dev.api, id);
    const deadline = Date.now() + 15_000;
    while (task.state !== "complete" && Date.now() < deadline) {
      await Bun.sleep(100);
      task = await taskState(dev.api, id);
    }
    expect(task.state).toBe("complete");
    await dev.proc.waitFor(`task ${id} type=demo state=complete`);

    expect(await stopDev(dev, "SIGTERM")).toBe(0);
    // ajc waits for nats-server before it exits: nothing of it is left at that moment.
    expect(processesMentioning(data)).toEqual([]);
    expect(existsSync(join(data, "ajc-dev.lock"))).toBe(false);
  });

  test("a restart keeps the queue and its tasks", async () => {
    const data = join(root, "data-restart");
    const first = await startDev("--data", data, "--queue", "EMAIL");
    const id = await curlTask(first.api, "email:new");
    expect(await stopDev(first, "SIGTERM")).toBe(0);

    const second = await startDev("--data", data, "--queue", "EMAIL");
    try {
      const task = await taskState(second.api, id);
      expect(task.state).toBe("new");
      const q = (await (await fetch(`${second.api}/v1/queues/EMAIL`)).json()) as { entries?: number };
      expect(q).toMatchObject({ name: "EMAIL" });
    } finally {
      await stopDev(second, "SIGTERM");
    }
  });

  test("SIGKILL of ajc leaves no nats-server after a few seconds, and the next start takes over", async () => {
    const data = join(root, "data-kill");
    const dev = await startDev("--data", data, "--worker", `demo=${handler}`);
    const id = await curlTask(dev.api, "demo");
    expect(processesMentioning(data).length).toBeGreaterThan(0);
    expect(await stopDev(dev, "SIGKILL")).not.toBe(0);
    await eventually("no process of the killed ajc dev", () => processesMentioning(data).length === 0, 5_000);

    // The killed run's lock is stale: a new ajc dev starts on the same data and finds the task.
    const again = await startDev("--data", data);
    try {
      expect((await taskState(again.api, id)).state).toMatch(/^(new|active|retry|complete)$/);
    } finally {
      await stopDev(again, "SIGTERM");
    }
  });

  test("--ephemeral leaves nothing on disk, even when ajc is killed", async () => {
    const stopped = await startDev("--ephemeral");
    expect(stopped.dataDir.startsWith(join(root, "tmp"))).toBe(true);
    expect(existsSync(stopped.dataDir)).toBe(true);
    expect(await stopDev(stopped, "SIGTERM")).toBe(0);
    expect(existsSync(stopped.dataDir)).toBe(false);

    const killed = await startDev("--ephemeral");
    await curlTask(killed.api, "demo");
    await stopDev(killed, "SIGKILL");
    await eventually(
      "the killed run's temporary directory removed",
      () => !existsSync(killed.dataDir),
      5_000,
    );
    expect(processesMentioning(killed.dataDir)).toEqual([]);
    expect(ephemeralDirs()).toEqual([]);
    // Nothing went to the default data directory either.
    expect(existsSync(join(root, "home", ".local"))).toBe(false);
  });

  test("a second ajc dev on the same data directory refuses and names the first", async () => {
    const data = join(root, "data-twice");
    const first = await startDev("--data", data);
    try {
      const second = await runAjc(["dev", "--data", data, "--port", "0", "--nats-port", "0"], { env });
      expect(second.code).toBe(1);
      expect(second.stderr).toContain(
        `another ajc dev (pid ${first.proc.proc.pid}) is using the data directory ${data}`,
      );
      // The first is unharmed.
      expect((await fetch(`${first.api}/readyz`)).status).toBe(200);
    } finally {
      await stopDev(first, "SIGTERM");
    }
  });

  test("without --data it keeps its data in the per-user data directory", async () => {
    const dev = await startDev();
    try {
      expect(dev.dataDir).toBe(join(root, "home", ".local", "share", "ajc", "dev"));
      expect(existsSync(join(dev.dataDir, "jetstream"))).toBe(true);
    } finally {
      expect(await stopDev(dev)).toBe(0);
    }
  });

  test("a NATS port already taken fails at once, says so, and leaves nothing behind", async () => {
    const taken = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
    try {
      const r = await runAjc(["dev", "--ephemeral", "--port", "0", "--nats-port", String(taken.port)], {
        env,
      });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`port ${taken.port} is in use`);
      expect(ephemeralDirs()).toEqual([]);
    } finally {
      taken.stop(true);
    }
  });

  test("without a nats-server anywhere it says in one line how to get one", async () => {
    const r = await runAjc(["dev", "--ephemeral"], { env: { ...env, PATH: join(root, "empty") } });
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toContain("no nats-server found: install one");
    expect(r.stderr).toContain("--nats-server PATH");
  });

  test("ajc version says which nats-server ajc dev would use", async () => {
    const onPath = Bun.which("nats-server")!;
    const r = await runAjc(["version"], { env });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`nats-server: ${onPath} (v`);
    expect(r.stdout).toContain("found on PATH");
    const named = await runAjc(["version", "--nats-server", onPath], { env: { ...env, PATH: "" } });
    expect(named.stdout).toContain("named by --nats-server");
  });
});
