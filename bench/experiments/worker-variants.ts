/**
 * What would a change to the TypeScript worker buy? Runs bench/drain-child.ts (worker mode) from
 * scratch copies of the committed tree (git archive HEAD, node_modules hard-linked; the shared
 * tree is never written to), each with candidate patches, draining the same number of tasks at
 * concurrency 32, variants alternating by round. Prints tasks/s and CPU per task of the worker and
 * of nats-server. A patch that no longer applies fails loudly.
 *
 *   bun bench/experiments/worker-variants.ts [TASKS] [ROUNDS] [CONCURRENCY] [NAME=REF...]
 *
 * With NAME=REF arguments the variants are those commits instead (`git archive REF`, no patches).
 */
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Client } from "../../src/client.ts";
import { defaultQueue } from "../../src/core/queue.ts";
import { connectRaw, startNats } from "../nats.ts";
import { cpuSeconds } from "../proc-stats.ts";
import { EventWatch } from "../processing.ts";
import { cleanup, installCleanupHandlers, stop, tempDir, track } from "../procs.ts";
import { median, round } from "../stats.ts";
import { fillTasks } from "../tasks.ts";

const ROOT = join(import.meta.dir, "..", "..");

interface Patch {
  file: string;
  from: string;
  to: string;
}

const NATS_FLUSH_PER_TURN: Patch = {
  file: "node_modules/@nats-io/nats-core/lib/protocol.js",
  from: "queueMicrotask(() => {\n                this.flushPending();\n            });",
  to: "setImmediate(() => {\n                this.flushPending();\n            });",
};

/** Keep a quarter of the slots' worth of items pulled ahead, so a free slot never waits a round trip. */
const PREFETCH: Patch = {
  file: "src/worker/worker.ts",
  from: "    capacity: () => concurrency - running - held.length,",
  to: "    capacity: () => concurrency + Math.ceil(concurrency / 4) - running - held.length,",
};

const VARIANTS: Record<string, Patch[]> = {
  baseline: [],
  "nats-flush-per-turn": [NATS_FLUSH_PER_TURN],
  prefetch: [PREFETCH],
  both: [NATS_FLUSH_PER_TURN, PREFETCH],
};

function sh(cmd: string): void {
  const r = spawnSync("sh", ["-c", cmd], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`${cmd}: ${r.stderr}`);
}

function scratch(name: string, patches: Patch[], ref = "HEAD"): string {
  const dir = tempDir(`wvariant-${name}`);
  sh(`git -C ${ROOT} archive ${ref} | tar -x -C ${dir}`);
  sh(`cp -al ${join(ROOT, "node_modules")} ${join(dir, "node_modules")}`);
  for (const p of patches) {
    const path = join(dir, p.file);
    const text = readFileSync(path, "utf8");
    if (!text.includes(p.from)) throw new Error(`patch for ${p.file} no longer applies (variant ${name})`);
    sh(`rm ${path}`);
    writeFileSync(path, text.replace(p.from, p.to));
  }
  return dir;
}

installCleanupHandlers();
const positional = process.argv.slice(2).filter((a) => !a.includes("="));
const refs = process.argv
  .slice(2)
  .filter((a) => a.includes("="))
  .map((a) => a.split("=", 2) as [string, string]);
const tasks = Number(positional[0] ?? 5000);
const rounds = Number(positional[1] ?? 2);
const concurrency = Number(positional[2] ?? 32);
const nats = await startNats();
try {
  const client = await Client.connect({ connection: { servers: nats.url } });
  const nc = await connectRaw(nats.url, "bench");
  const dirs = Object.fromEntries(
    refs.length > 0
      ? refs.map(([n, ref]) => [n, scratch(n, [], ref)])
      : Object.entries(VARIANTS).map(([n, p]) => [n, scratch(n, p)]),
  );
  const out: Record<string, { rate: number[]; cpu: number[]; nats: number[] }> = {};
  let q = 0;
  for (let r = 0; r < rounds; r++) {
    for (const [name, dir] of Object.entries(dirs)) {
      const queue = `W${q++}`;
      await client.ensureQueue(defaultQueue(queue));
      await fillTasks(nc, tasks, { queue });
      const watch = new EventWatch(nc, queue, tasks, nats.pid);
      await nc.flush();
      const p = track(
        Bun.spawn(
          [
            process.execPath,
            join(dir, "bench", "drain-child.ts"),
            "worker",
            nats.url,
            queue,
            String(concurrency),
          ],
          { stdout: "ignore", stderr: "inherit" },
        ),
      );
      watch.watchPid(p.pid);
      await watch.done;
      const cpu = (cpuSeconds(p.pid) ?? 0) - watch.cpuAtFirst;
      const natsCpu = (cpuSeconds(nats.pid) ?? 0) - watch.natsCpuAtFirst;
      await stop(p);
      const o = out[name] ?? { rate: [], cpu: [], nats: [] };
      out[name] = o;
      o.rate.push(tasks / ((watch.lastEnd - watch.firstActive) / 1000));
      o.cpu.push((cpu / tasks) * 1000);
      o.nats.push((natsCpu / tasks) * 1000);
      console.error(`round ${r + 1}: ${name} ${Math.round(o.rate.at(-1)!)}/s`);
    }
  }
  console.log(
    `| variant (concurrency ${concurrency}) | tasks/s | worker CPU ms/task | nats-server CPU ms/task |\n| --- | --- | --- | --- |`,
  );
  for (const [name, o] of Object.entries(out)) {
    console.log(
      `| ${name} | ${Math.round(median(o.rate))} | ${round(median(o.cpu), 3)} | ${round(median(o.nats), 3)} |`,
    );
  }
  await nc.drain();
  await client.close();
} finally {
  await nats.close();
  await cleanup();
}
