/**
 * Faults: a worker (`ajc task process` with a shell command, the compiled binary) killed with
 * SIGKILL while it runs tasks. What it was running is delivered again once the queue's run time
 * has passed and completed by another worker; what it had completed is never run again; every task
 * completes exactly once.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "../../src/client.ts";
import { timeMs } from "../../src/core/time.ts";
import { type AjcProcess, ajcBinary, spawnAjc } from "../helpers/binary.ts";
import { type NatsServer, startNats } from "../helpers/nats.ts";
import { report, until } from "../helpers/reliability.ts";

const RUN_TIME_MS = 3_000;
const TASKS = 40;

let nats: NatsServer;
let client: Client;
let dir: string;
const workers: AjcProcess[] = [];

beforeAll(async () => {
  ajcBinary();
  nats = await startNats();
  client = await Client.connect({ connection: { servers: nats.url } });
  dir = mkdtempSync(join(tmpdir(), "ajc-worker-kill-"));
});
afterAll(async () => {
  for (const w of workers) await w.stop("SIGKILL");
  // The slow command the killed worker left behind (it outlives its worker: nothing is left to
  // kill it) ran `exec sleep`, so its pid is the sleep's.
  const pidFile = join(dir, "slow.pid");
  if (existsSync(pidFile)) {
    try {
      process.kill(Number(readFileSync(pidFile, "utf8").trim()), "SIGKILL");
    } catch {
      // already gone
    }
  }
  await client?.close();
  await nats?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Lines `start <id>` and `done <id>` the command wrote, in order. */
function journal(): { starts: Map<string, number>; dones: Map<string, number>; lines: number } {
  const starts = new Map<string, number>();
  const dones = new Map<string, number>();
  const path = join(dir, "journal");
  const text = existsSync(path) ? readFileSync(path, "utf8") : "";
  const lines = text.split("\n").filter((l) => l !== "");
  for (const l of lines) {
    const [what, id] = l.split(" ") as [string, string];
    const m = what === "start" ? starts : dones;
    m.set(id, (m.get(id) ?? 0) + 1);
  }
  return { starts, dones, lines: lines.length };
}

test("a worker killed mid-task: its tasks run again after the run time and complete once; completed ones never run again", async () => {
  expect((await client.createQueue({ name: "WORK", max_runtime: `${RUN_TIME_MS}ms` })).max_runtime).toBe(
    RUN_TIME_MS * 1_000_000,
  );
  const journalPath = join(dir, "journal");
  // The first run of the slow task hangs (as `exec sleep`, so its pid is known and it never
  // writes `done`); every other run takes 100ms.
  const cmd = join(dir, "job.sh");
  writeFileSync(
    cmd,
    `#!/bin/sh
id=$(sed -n 's/.*"id":"\\([^"]*\\)".*/\\1/p' "$CHORIA_AJ_TASK")
echo "start $id" >> ${journalPath}
if grep -q '"type":"job:slow"' "$CHORIA_AJ_TASK" && [ ! -e ${dir}/slow.once ]; then
  touch ${dir}/slow.once
  echo $$ > ${dir}/slow.pid
  exec sleep 30
fi
sleep 0.1
echo "done $id" >> ${journalPath}
echo "ran $id"
`,
  );
  chmodSync(cmd, 0o755);

  // Every state change, as published: a task that completes twice would show two.
  const completions = new Map<string, number>();
  const watching = new AbortController();
  const watched = (async () => {
    for await (const { event } of client.watchEvents({ signal: watching.signal })) {
      const e = event as { task_id?: string; state?: string };
      if (e.state === "complete" && e.task_id)
        completions.set(e.task_id, (completions.get(e.task_id) ?? 0) + 1);
    }
  })();

  const ids: string[] = [];
  let slowId = "";
  for (let i = 0; i < TASKS; i++) {
    const type = i === 10 ? "job:slow" : "job:fast";
    const t = await client.enqueue(client.newTask(type, null), "WORK");
    ids.push(t.id);
    if (type === "job:slow") slowId = t.id;
  }

  const env = { NATS_URL: nats.url };
  const a = spawnAjc(["task", "process", "job", "WORK", "2", cmd], { env });
  workers.push(a);
  await until("the slow task to start", async () => journal().starts.has(slowId), 15_000);
  const slowStarted = await client.loadTask(slowId);
  expect(slowStarted.state).toBe("active");
  await Bun.sleep(150); // the other slot is busy with fast tasks meanwhile
  a.proc.kill("SIGKILL");
  await a.proc.exited;

  // What the dead worker left: tasks it completed, and tasks it had marked active.
  const completedByA = new Set<string>();
  const interrupted = new Set<string>();
  for (const id of ids) {
    const t = await client.loadTask(id);
    if (t.state === "complete") completedByA.add(id);
    if (t.state === "active") interrupted.add(id);
  }
  expect(interrupted.has(slowId)).toBe(true);
  expect(completedByA.size).toBeGreaterThan(0);

  const b = spawnAjc(["task", "process", "job", "WORK", "2", cmd], { env });
  workers.push(b);
  await until(
    "every task to complete",
    async () => {
      for (const id of ids) if ((await client.loadTask(id)).state !== "complete") return false;
      return true;
    },
    RUN_TIME_MS + 15_000,
  );
  const slowDone = await client.loadTask(slowId);
  // Taken over only once the dead worker's run time was up.
  expect(timeMs(slowDone.tried!) - timeMs(slowStarted.tried!)).toBeGreaterThanOrEqual(RUN_TIME_MS - 10);
  expect(slowDone.result?.payload).toBe(`ran ${slowId}\n`);

  // Old items of completed tasks delivered again (what a worker killed after saving `complete`
  // but before its ack leaves behind): acknowledged, never run.
  const stale = [ids[0]!, slowId, ids[TASKS - 1]!];
  for (const id of stale) await client.storage.queues.publishItem("WORK", id, false);

  // Until the queue's stream is empty (the stale items acknowledged): from then on nothing can be
  // delivered again, so what ran is final. Waiting for that rather than for a run time also holds
  // on a machine too loaded to get through the stale items within one.
  await until(
    "the stale items to be acknowledged",
    async () => {
      const q = await client.queueInfo("WORK");
      return q.entries === 0 && q.in_flight === 0;
    },
    RUN_TIME_MS + 15_000,
  );
  await until("a complete event of every task", async () => completions.size === TASKS, 5_000);
  watching.abort();
  await watched;
  const j = journal();
  const info = await client.queueInfo("WORK");

  const startedTwice = ids.filter((id) => (j.starts.get(id) ?? 0) > 1);
  report("worker killed mid-task (40 tasks, concurrency 2, run time 3s)", {
    tasks: TASKS,
    completedBeforeKill: completedByA.size,
    interruptedByKill: interrupted.size,
    startedTwice: startedTwice.length,
    completionEvents: [...completions.values()].reduce((s, n) => s + n, 0),
    takeoverMs: timeMs(slowDone.tried!) - timeMs(slowStarted.tried!),
    staleItemsRedelivered: stale.length,
    queueEntriesLeft: info.entries,
    inFlightLeft: info.in_flight,
  });
  for (const id of ids) {
    const starts = j.starts.get(id) ?? 0;
    if (interrupted.has(id)) {
      // Started by the dead worker (unless it died between marking the task active and starting
      // the command), then once more by the new one.
      expect([id, starts >= 1 && starts <= 2]).toEqual([id, true]);
    } else {
      expect([id, starts]).toEqual([id, 1]);
    }
    // Completed exactly once: one `complete` event. The command of a task that was not
    // interrupted finished once; an interrupted fast one may have finished in the dead worker's
    // orphaned process too (its result was never recorded) and then once more.
    expect([id, completions.get(id) ?? 0]).toEqual([id, 1]);
    const dones = j.dones.get(id) ?? 0;
    if (interrupted.has(id)) expect([id, dones >= 1 && dones <= starts]).toEqual([id, true]);
    else expect([id, dones]).toEqual([id, 1]);
    expect((await client.loadTask(id)).state).toBe("complete");
  }
  expect(j.starts.get(slowId)).toBe(2);
  expect(info.entries).toBe(0);
  expect(info.in_flight).toBe(0);
  expect(await b.stop("SIGTERM")).toBe(0);
}, 60_000);
