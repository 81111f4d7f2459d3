/**
 * `npm run test:interop`: ajc beside the real Go asyncjobs tools, on several nats-server releases.
 *
 * 1. builds build/ajc, the Go `ajc` and gohelper (test/interop/go.mod pins asyncjobs), and the
 *    nats-server releases below with `go install` (all cached: only the first run takes minutes);
 * 2. runs the interop tests (test/interop/*.test.ts) against the nats-server on PATH (Debian's)
 *    and against the newest release, and a smoke subset against each other release.
 *
 * Without Go it prints one line and exits 0, unless AJC_REQUIRE_GO=1 (CI), when it fails.
 * AJC_INTEROP_QUICK=1 runs only the interop tests on the nats-server on PATH; AJC_INTEROP_ALL=1
 * runs the interop tests on every release.
 */
import { spawn, spawnSync } from "node:child_process";
import { join } from "node:path";
import { DELAYED_MIN_SERVER, versionAtLeast } from "../../src/store/delayed.ts";
import {
  asyncjobsVersion,
  goTools,
  goVersion,
  NATS_RELEASES,
  NEWEST_NATS_RELEASE,
  natsServerRelease,
} from "./go-tools.ts";

const NEWEST = NEWEST_NATS_RELEASE;
/**
 * Run against every other release: the store, the HTTP API's task operations, the Go CLI on our
 * data and ours on its, and signed tasks through the Go library's client and worker.
 */
const SMOKE = [
  "test/store/smoke.test.ts",
  "test/http/tasks.test.ts",
  "test/interop/admin.test.ts",
  "test/interop/signing.test.ts",
  // Delayed tasks: refused (and the refusal named) before 2.14, woken on time from 2.14 on.
  "test/http/delayed.test.ts",
  "test/interop/delayed.test.ts",
];
const INTEROP = ["test/interop"];
/** Test runs at once: they mostly wait on timers (retry back-off, the election TTL). */
const PARALLEL = 2;

const root = join(import.meta.dir, "..", "..");

function versionOf(natsServer: string): string {
  const r = spawnSync(natsServer, ["--version"], { encoding: "utf8" });
  return r.status === 0 ? r.stdout.trim().replace(/^nats-server: /, "") : "unknown";
}

interface Run {
  label: string;
  files: string[];
  natsServer?: string;
  /** The release has message schedules a queue can source: the delayed-task tests must run. */
  requireDelayed?: boolean;
}

interface Finished extends Run {
  ok: boolean;
  seconds: number;
  output: string;
}

function runTests(run: Run, ajc: string): Promise<Finished> {
  const started = Date.now();
  const env: Record<string, string | undefined> = { ...process.env, AJC_INTEROP: "1", AJC_TEST_BINARY: ajc };
  if (run.natsServer) env.AJC_NATS_SERVER = run.natsServer;
  if (run.requireDelayed) env.AJC_REQUIRE_DELAYED = "1";
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["test", "--timeout", "90000", ...run.files], { cwd: root, env });
    let output = "";
    child.stdout.on("data", (d) => {
      output += d;
    });
    child.stderr.on("data", (d) => {
      output += d;
    });
    child.on("close", (code) =>
      resolve({ ...run, ok: code === 0, seconds: (Date.now() - started) / 1000, output }),
    );
  });
}

async function main(): Promise<number> {
  const go = goVersion();
  if (!go) {
    if (process.env.AJC_REQUIRE_GO === "1") {
      console.error("test:interop: AJC_REQUIRE_GO=1 but there is no `go` on PATH");
      return 1;
    }
    console.log(
      "test:interop skipped: there is no `go` on PATH (install Go to run ajc beside the Go asyncjobs tools)",
    );
    return 0;
  }
  const t0 = Date.now();
  const ajc = join(root, "build", "ajc");
  const built = spawnSync(process.execPath, [join(root, "build", "build.ts")], {
    cwd: root,
    stdio: "inherit",
  });
  if (built.status !== 0) return 1;
  goTools();
  console.log(`${go}; asyncjobs ${asyncjobsVersion()}: Go ajc and gohelper ready`);

  const debian = spawnSync("sh", ["-c", "command -v nats-server"], { encoding: "utf8" }).stdout.trim();
  const runs: Run[] = [
    { label: `interop, nats-server ${debian ? versionOf(debian) : "(none on PATH)"}`, files: INTEROP },
  ];
  if (process.env.AJC_INTEROP_QUICK !== "1") {
    for (const v of NATS_RELEASES) {
      const bin = natsServerRelease(v);
      if (versionOf(bin) !== `v${v}`) throw new Error(`${bin} is not nats-server v${v}`);
      const full = v === NEWEST || process.env.AJC_INTEROP_ALL === "1";
      runs.push({
        label: `${full ? "interop" : "smoke"}, nats-server v${v}`,
        files: full ? INTEROP : SMOKE,
        natsServer: bin,
        requireDelayed: versionAtLeast(v, DELAYED_MIN_SERVER),
      });
    }
  }
  console.log(
    `builds done in ${((Date.now() - t0) / 1000).toFixed(0)} s; ${runs.length} test runs, ${PARALLEL} at a time`,
  );

  const queue = [...runs];
  const finished: Finished[] = [];
  await Promise.all(
    Array.from({ length: PARALLEL }, async () => {
      for (let run = queue.shift(); run; run = queue.shift()) {
        const f = await runTests(run, ajc);
        console.log(
          `\n=== ${f.label}: ${f.ok ? "passed" : "FAILED"} (${f.seconds.toFixed(0)} s)\n${f.output}`,
        );
        finished.push(f);
      }
    }),
  );
  console.log("\ntest:interop summary");
  for (const r of runs) {
    const f = finished.find((x) => x.label === r.label);
    console.log(`  ${f?.ok ? "pass" : "FAIL"}  ${r.label}  (${f?.seconds.toFixed(0)} s)`);
  }
  console.log(`total ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  return finished.every((f) => f.ok) ? 0 : 1;
}

process.exit(await main());
