/**
 * What would a change to the server buy? Builds `ajc` variants from a scratch copy of the
 * committed tree (git archive HEAD, node_modules hard-linked; /work tree untouched), each with
 * candidate patches applied, and measures them side by side under wrk POST /v1/tasks: req/s,
 * p99, and CPU per request of the server and of nats-server. Rounds alternate the variants so
 * background load hits them alike. A patch that no longer applies fails loudly.
 *
 *   bun bench/experiments/server-variants.ts [SECONDS] [ROUNDS] [--conns=16,64] [NAME=REF...]
 *
 * With NAME=REF arguments the variants are those commits instead (each built from `git archive
 * REF`, no patches), e.g. `before=HEAD~1 after=HEAD`, to measure a committed change side by side.
 */
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Client } from "../../src/client.ts";
import { defaultQueue } from "../../src/core/queue.ts";
import { startNats } from "../nats.ts";
import { cpuSeconds } from "../proc-stats.ts";
import { cleanup, installCleanupHandlers, tempDir } from "../procs.ts";
import { startServer } from "../server.ts";
import { median, round } from "../stats.ts";
import { findWrk, runWrk } from "../wrk.ts";

const ROOT = join(import.meta.dir, "..", "..");

interface Patch {
  file: string;
  from: string;
  to: string;
}

/** Coalesce NATS writes per event-loop turn (setImmediate) instead of per microtask. */
const NATS_FLUSH_PER_TURN: Patch = {
  file: "node_modules/@nats-io/nats-core/lib/protocol.js",
  from: "queueMicrotask(() => {\n                this.flushPending();\n            });",
  to: "setImmediate(() => {\n                this.flushPending();\n            });",
};

/** Log lines buffered and written once per event-loop turn instead of one write per line. */
const BUFFERED_LOG: Patch = {
  file: "src/cli/io.ts",
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the source text to find
  from: 'err: (t) => process.stderr.write(t.endsWith("\\n") ? t : `${t}\\n`),',
  to: `err: (() => {
      let buf = "";
      const flush = () => {
        const b = buf;
        buf = "";
        if (b) process.stderr.write(b);
      };
      process.on("exit", flush);
      return (t: string) => {
        if (buf === "") setImmediate(flush);
        buf += t.endsWith("\\n") ? t : \`\${t}\\n\`;
      };
    })(),`,
};

/** No request log line at all (what the log costs). */
const NO_REQUEST_LOG: Patch = {
  file: "src/http/log.ts",
  from: '  log.info("request", { method, path, status, duration_ms: Math.round(ms * 1000) / 1000 });',
  to: "  void log; void method; void path; void status; void ms;",
};

/** No per-request write-deadline timer (what the timers cost; not a correct change by itself). */
const NO_DEADLINE_TIMER: Patch = {
  file: "src/http/dispatch.ts",
  from: "    let deadline = setTimeout(onDeadline, limits.writeTimeoutMs);",
  to: "    let deadline: ReturnType<typeof setTimeout> | undefined;",
};

/** No per-request idle re-arm of the connection (timer + socket.setTimeout on every request end). */
const NO_IDLE_REARM: Patch = {
  file: "src/http/connections.ts",
  from: "        else this.#arm(socket, st, this.timeouts.idleMs);",
  to: "        else void 0;",
};

const VARIANTS: Record<string, Patch[]> = {
  baseline: [],
  "nats-flush-per-turn": [NATS_FLUSH_PER_TURN],
  "buffered-log": [BUFFERED_LOG],
  "no-request-log": [NO_REQUEST_LOG],
  "no-request-timers": [NO_DEADLINE_TIMER, NO_IDLE_REARM],
  "all-but-log-removal": [NATS_FLUSH_PER_TURN, BUFFERED_LOG, NO_DEADLINE_TIMER, NO_IDLE_REARM],
};

function sh(cmd: string, cwd: string): void {
  const r = spawnSync("sh", ["-c", cmd], { cwd, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`${cmd}: ${r.stderr}`);
}

/** A scratch tree of commit `ref` with `patches` applied, compiled; returns the binary. */
function buildVariant(name: string, patches: Patch[], ref = "HEAD"): string {
  const dir = tempDir(`variant-${name}`);
  sh(`git -C ${ROOT} archive ${ref} | tar -x -C ${dir}`, ROOT);
  // Hard links: a patched file is rewritten (new inode), the shared tree is never written to.
  sh(`cp -al ${join(ROOT, "node_modules")} ${join(dir, "node_modules")}`, ROOT);
  for (const p of patches) {
    const path = join(dir, p.file);
    const text = readFileSync(path, "utf8");
    if (!text.includes(p.from)) throw new Error(`patch for ${p.file} no longer applies (variant ${name})`);
    const next = text.replace(p.from, p.to);
    sh(`rm ${path}`, dir);
    writeFileSync(path, next);
  }
  const out = join(dir, "ajc");
  const r = spawnSync(process.execPath, [join(dir, "build", "build.ts"), "--outfile", out], {
    cwd: dir,
    encoding: "utf8",
  });
  if (r.status !== 0) throw new Error(`building ${name} failed: ${r.stdout}${r.stderr}`);
  return out;
}

interface Sample {
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  serverCpuMs: number;
  natsCpuMs: number;
}

installCleanupHandlers();
const args = process.argv.slice(2);
const positional = args.filter((a) => !a.startsWith("--") && !a.includes("="));
const seconds = Number(positional[0] ?? 6);
const rounds = Number(positional[1] ?? 2);
const connsArg = args.find((a) => a.startsWith("--conns="));
const connLevels = connsArg ? connsArg.slice("--conns=".length).split(",").map(Number) : [16, 64];
const refs = args
  .filter((a) => !a.startsWith("--") && a.includes("="))
  .map((a) => a.split("=", 2) as [string, string]);
const wrk = findWrk();
if (!wrk) throw new Error("wrk is not installed");
const nats = await startNats();
try {
  const setup = await Client.connect({ connection: { servers: nats.url } });
  await setup.ensureQueue(defaultQueue("BENCH"));
  const binaries = Object.fromEntries(
    refs.length > 0
      ? refs.map(([n, ref]) => [n, buildVariant(n, [], ref)])
      : Object.entries(VARIANTS).map(([n, p]) => [n, buildVariant(n, p)]),
  );
  const results: Record<string, Record<number, Sample[]>> = {};
  for (let round_ = 0; round_ < rounds; round_++) {
    for (const [name, bin] of Object.entries(binaries)) {
      await setup.purgeTasks();
      await setup.purgeQueue("BENCH");
      const server = await startServer([bin], nats.url, "BENCH");
      await runWrk(wrk.path, "post", `${server.base}/v1/tasks`, 16, 2);
      for (const conns of connLevels) {
        const s0 = cpuSeconds(server.pid) ?? 0;
        const n0 = cpuSeconds(nats.pid) ?? 0;
        const w = await runWrk(wrk.path, "post", `${server.base}/v1/tasks`, conns, seconds);
        const s1 = cpuSeconds(server.pid) ?? s0;
        const n1 = cpuSeconds(nats.pid) ?? n0;
        const byConns = results[name] ?? {};
        results[name] = byConns;
        const list = byConns[conns] ?? [];
        byConns[conns] = list;
        list.push({
          perSecond: w.requests / (w.duration_us / 1e6),
          p50Ms: w.p50_us / 1000,
          p99Ms: w.p99_us / 1000,
          serverCpuMs: ((s1 - s0) / w.requests) * 1000,
          natsCpuMs: ((n1 - n0) / w.requests) * 1000,
        });
      }
      await server.close();
      console.error(`round ${round_ + 1}: ${name} done`);
    }
  }
  await setup.close();
  console.log(
    "| variant | conns | req/s | p50 ms | p99 ms | server CPU ms/req | nats-server CPU ms/req |\n| --- | --- | --- | --- | --- | --- | --- |",
  );
  for (const [name, byConns] of Object.entries(results)) {
    for (const [conns, samples] of Object.entries(byConns)) {
      const m = (f: (s: Sample) => number) => median(samples.map(f));
      console.log(
        `| ${name} | ${conns} | ${Math.round(m((s) => s.perSecond))} | ${round(
          m((s) => s.p50Ms),
          2,
        )} | ${round(
          m((s) => s.p99Ms),
          1,
        )} | ${round(
          m((s) => s.serverCpuMs),
          3,
        )} | ${round(
          m((s) => s.natsCpuMs),
          3,
        )} |`,
      );
    }
  }
} finally {
  await nats.close();
  await cleanup();
}
