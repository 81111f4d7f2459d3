/**
 * Runs the fault tests and the soak and writes their figures into docs/reliability.md
 * (between the `reliability-figures` markers), so the numbers there come from a real run:
 *
 *   npx bun test/reliability/soak-figures.ts            # the 60s soak of `npm run soak`
 *   AJC_SOAK_SECONDS=600 npx bun test/reliability/soak-figures.ts
 *
 * Exits non-zero (and leaves docs/reliability.md alone) when a test or a check of the soak fails.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const root = join(import.meta.dir, "..", "..");
const dir = mkdtempSync(join(tmpdir(), "ajc-figures-"));
const figuresFile = join(dir, "figures.jsonl");
const files = [
  "test/reliability/faults-nats-outage.test.ts",
  "test/reliability/faults-server-kill.test.ts",
  "test/reliability/faults-worker-kill.test.ts",
  "test/reliability/faults-concurrent.test.ts",
];
const env = { ...process.env, AJC_RELIABILITY_FIGURES: figuresFile };
const opts = { cwd: root, env, stdout: "inherit", stderr: "inherit" } as const;
const tests = Bun.spawn([process.execPath, "test", "--timeout", "60000", ...files], opts);
const ok =
  (await tests.exited) === 0 &&
  (await Bun.spawn([process.execPath, "test/reliability/soak.ts"], opts).exited) === 0;
if (!ok) {
  rmSync(dir, { recursive: true, force: true });
  console.error("the tests failed: docs/reliability.md left as it is");
  process.exit(1);
}

type Figures = Record<string, number | string>;
const runs = readFileSync(figuresFile, "utf8")
  .split("\n")
  .filter((l) => l !== "")
  .map((l) => JSON.parse(l) as { title: string; figures: Figures });
rmSync(dir, { recursive: true, force: true });

const find = (prefix: string): Figures => {
  const r = runs.find((x) => x.title.startsWith(prefix));
  if (!r) throw new Error(`no figures for "${prefix}"`);
  return r.figures;
};
const n = (v: number | string | undefined) => (typeof v === "number" ? String(Math.round(v)) : (v ?? "—"));
const rejected = (f: Figures) => `${n(f.rejected4xx)}, ${n(f.storedDespite4xx)}`;
const ms = (v: number | string | undefined) => (typeof v === "number" ? `${Math.round(v)} ms` : "—");

const outage = find("NATS outage");
const frozen = find("NATS frozen");
const natsKill = find("NATS killed");
const kill = find("server kill -9");
const worker = find("worker killed");
const soak = find("soak:");
const soakTitle = runs.find((x) => x.title.startsWith("soak:"))!.title;

const lines = [
  `Figures of one run of \`npx bun test/reliability/soak-figures.ts\` (${new Date().toISOString().slice(0, 10)}, ` +
    "a 2-core machine; the tests assert the limits, the numbers vary from run to run):",
  "",
  "| scenario | requests | acknowledged | lost | 4xx (invalid on purpose), stored | 5xx (503) | no answer | slowest answer |",
  "|---|---|---|---|---|---|---|---|",
  `| NATS stopped 10s, 5 clients × 10/s, unanswered requests sent again after | ${n(outage.attempts)} | ${n(outage.acknowledged)} | ${n(outage.lost)} | ${rejected(outage)} | ${n(outage.refused5xx)} | ${n(outage.noAnswer)} | ${ms(outage.maxMs)} |`,
  `| NATS frozen (SIGSTOP) 8s, 5 clients × 10/s | ${n(frozen.attempts)} | ${n(frozen.acknowledged)} | ${n(frozen.lost)} | ${rejected(frozen)} | ${n(frozen.refused5xx)} | ${n(frozen.noAnswer)} | ${ms(frozen.maxMs)} |`,
  `| NATS killed (SIGKILL), back after 3s, 5 clients × 10/s | ${n(natsKill.attempts)} | ${n(natsKill.acknowledged)} | ${n(natsKill.lost)} | ${rejected(natsKill)} | ${n(natsKill.refused5xx)} | ${n(natsKill.noAnswer)} | ${ms(natsKill.maxMs)} |`,
  `| server killed (SIGKILL) twice and restarted, 6 clients × 10/s | ${n(kill.attempts)} | ${n(kill.acknowledged)} | ${n(kill.lost)} | ${rejected(kill)} | ${n(kill.refused5xx)} | ${n(kill.noAnswer)} | ${ms(kill.maxMs)} |`,
  `| ${soakTitle.replace(/^soak: /, "soak, a burst of 3000 then ")} (enqueue 70%, get 20%, list 5%, retry/delete 5%) with a worker | ${n(soak.requests)} | ${n(soak.acknowledged)} | ${n(soak.lost)} | — | ${n(soak["5xx"])} | 0 | ${ms(Number(/max ([\d.]+)ms/.exec(String(soak.enqueueLatency))?.[1]))} (enqueue) |`,
  "",
  `After the kill, all ${n(kill.replayed)} acknowledged Idempotency-Keys replayed (200, same task). ` +
    `A worker killed mid-task (${n(worker.tasks)} tasks): ${n(worker.interruptedByKill)} interrupted tasks ` +
    `taken over after the 3s run time (${n(worker.takeoverMs)} ms), ${n(worker.completionEvents)} completions ` +
    `for ${n(worker.tasks)} tasks. Soak: ${n(soak["429 (list in progress)"])} listings told 429 (one at a time), ` +
    `${n(soak.errors)} errors; server RSS ${Number(soak.rssFirstThirdMiB).toFixed(0)} MiB (first third after ` +
    `warm-up) → ${Number(soak.rssLastThirdMiB).toFixed(0)} MiB (last third), peak ${Number(soak.rssPeakMiB).toFixed(0)} MiB.`,
];

const page = join(root, "docs", "reliability.md");
const text = readFileSync(page, "utf8");
const start = "<!-- reliability-figures: start -->";
const end = "<!-- reliability-figures: end -->";
const a = text.indexOf(start);
const b = text.indexOf(end);
if (a < 0 || b < a) throw new Error(`docs/reliability.md has no ${start} … ${end} block`);
writeFileSync(page, `${text.slice(0, a + start.length)}\n${lines.join("\n")}\n${text.slice(b)}`);
console.log(`docs/reliability.md: reliability figures updated\n${lines.join("\n")}`);
