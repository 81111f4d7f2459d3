/**
 * `npm run soak`: the long soak (test/reliability/soak-run.ts), reporting its figures and judging
 * what the short one in `npm test` does not: the rate it kept and whether the server's memory
 * trends up after warm-up, as well as everything the test asserts. Exits 1 naming what failed.
 *
 *   npm run soak                          # 60s at 100/s
 *   AJC_SOAK_SECONDS=600 npm run soak     # a long run: the memory check sees slow leaks
 *   AJC_SOAK_RATE=200 AJC_SOAK_SEED=290100 npm run soak
 */
import { runSoak } from "./soak-run.ts";

const seconds = Number(process.env.AJC_SOAK_SECONDS ?? 60);
const rate = Number(process.env.AJC_SOAK_RATE ?? 100);
const warmUpRequests = Number(process.env.AJC_SOAK_WARM_UP ?? 3000);
const seed = Number(process.env.AJC_SOAK_SEED ?? Date.now() % 1_000_000);
for (const [name, v] of Object.entries({ seconds, rate, warmUpRequests, seed })) {
  if (!Number.isFinite(v) || v < 0) throw new Error(`soak: ${name} must be a number, not ${v}`);
}
console.log(`soak: ${seconds}s at ${rate}/s, seed ${seed} (replay with AJC_SOAK_SEED=${seed})`);

const r = await runSoak({ seconds, rate, warmUpRequests, seed });
const mib = (kb: number) => `${(kb / 1024).toFixed(1)} MiB`;
const checks: [string, boolean][] = [
  ["the server ran throughout as one process", r.serverAlive],
  [
    `no errors${r.errors.length ? ` (${r.errors.length}: ${r.errors.slice(0, 5).join("; ")})` : ""}`,
    r.errors.length === 0,
  ],
  [
    `every acknowledged task accounted for (${r.problems.length} not)`,
    r.problems.length === 0 && r.lost === 0,
  ],
  [
    `completed + deleted = acknowledged (${r.completed} + ${r.deleted} = ${r.acknowledged})`,
    r.completed + r.deleted === r.acknowledged,
  ],
  [`kept at least 80% of ${rate}/s (${r.paced} requests in ${seconds}s)`, r.paced > seconds * rate * 0.8],
  [`at least 9 memory samples after warm-up (${r.rss.warmSamples})`, r.rss.warmSamples >= 9],
  [
    `memory flat after warm-up: ${mib(r.rss.firstKb)} → ${mib(r.rss.lastKb)}, allowed +${mib(r.rss.allowedGrowthKb)}`,
    r.rss.lastKb - r.rss.firstKb <= r.rss.allowedGrowthKb,
  ],
];
for (const [what, ok] of checks) console.log(`${ok ? "ok  " : "FAIL"} ${what}`);
const failed = checks.filter(([, ok]) => !ok).length;
console.log(failed === 0 ? "soak: passed" : `soak: ${failed} check(s) failed`);
process.exit(failed === 0 ? 0 : 1);
