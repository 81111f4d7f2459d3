/**
 * What would a change buy at start-up? Launch-to-`/readyz` of `ajc server run` and `ajc --version`
 * for each variant, runs alternating between the variants so that load from elsewhere falls on
 * all alike; medians.
 *
 *   bun bench/experiments/startup-variants.ts RUNS NAME=REF|NAME=/path/to/ajc ...
 *
 * A REF is built from `git archive REF` (node_modules hard-linked, the shared tree untouched) with
 * that commit's build/build.ts; a path is used as it is.
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { Client } from "../../src/client.ts";
import { defaultQueue } from "../../src/core/queue.ts";
import { startNats } from "../nats.ts";
import { cleanup, installCleanupHandlers, tempDir, track } from "../procs.ts";
import { startServer } from "../server.ts";
import { median, round } from "../stats.ts";

const ROOT = join(import.meta.dir, "..", "..");

function sh(cmd: string): void {
  const r = spawnSync("sh", ["-c", cmd], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`${cmd}: ${r.stderr}`);
}

function build(name: string, ref: string): string {
  if (ref.startsWith("/")) return ref;
  const dir = tempDir(`svariant-${name}`);
  sh(`git -C ${ROOT} archive ${ref} | tar -x -C ${dir}`);
  sh(`cp -al ${join(ROOT, "node_modules")} ${join(dir, "node_modules")}`);
  const out = join(dir, "ajc");
  const r = spawnSync(process.execPath, [join(dir, "build", "build.ts"), "--outfile", out], {
    cwd: dir,
    encoding: "utf8",
    env: { ...process.env, AJC_COMMIT: ref },
  });
  if (r.status !== 0) throw new Error(`building ${name} failed: ${r.stdout}${r.stderr}`);
  return out;
}

installCleanupHandlers();
const runs = Number(process.argv[2] ?? 7);
const variants = process.argv.slice(3).map((a) => a.split("=", 2) as [string, string]);
if (variants.length === 0) throw new Error("usage: startup-variants.ts RUNS NAME=REF|NAME=/path ...");
const nats = await startNats();
try {
  const setup = await Client.connect({ connection: { servers: nats.url } });
  await setup.ensureQueue(defaultQueue("BENCH"));
  await setup.close();
  const bins = variants.map(([n, ref]) => [n, build(n, ref)] as const);
  const ready: Record<string, number[]> = Object.fromEntries(variants.map(([n]) => [n, []]));
  const version: Record<string, number[]> = Object.fromEntries(variants.map(([n]) => [n, []]));
  for (let i = 0; i < runs; i++) {
    for (const [name, bin] of bins) {
      const s = await startServer([bin], nats.url, "BENCH");
      ready[name]!.push(s.readyMs);
      await s.close();
      const t = performance.now();
      await track(Bun.spawn([bin, "--version"], { stdout: "ignore", stderr: "ignore" })).exited;
      version[name]!.push(performance.now() - t);
    }
  }
  console.log(
    "| variant | ready ms (median) | ready ms (all) | --version ms (median) |\n| --- | --- | --- | --- |",
  );
  for (const [name] of bins) {
    const r = ready[name]!;
    console.log(
      `| ${name} | ${round(median(r), 1)} | ${r.map((x) => Math.round(x)).join(", ")} | ${round(median(version[name]!), 1)} |`,
    );
  }
} finally {
  await nats.close();
  await cleanup();
}
