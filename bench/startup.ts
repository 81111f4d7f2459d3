/** Part 5, start-up: launch of `ajc server run` to `/readyz` answering 200, and the binary's size. */
import { statSync } from "node:fs";
import { track } from "./procs.ts";
import { startServer } from "./server.ts";
import { median, round } from "./stats.ts";

export interface StartupResult {
  runs: number;
  /** Each run's launch-to-ready time. */
  readyMs: number[];
  medianReadyMs: number;
  /** `ajc --version`: launch to exit, the runtime's own start-up for comparison. */
  medianVersionMs: number;
  binaryBytes: number;
}

export async function runStartup(
  binary: string,
  natsUrl: string,
  queue: string,
  runs: number,
): Promise<StartupResult> {
  const readyMs: number[] = [];
  for (let i = 0; i < runs; i++) {
    const s = await startServer([binary], natsUrl, queue);
    readyMs.push(round(s.readyMs, 1));
    await s.close();
  }
  const versionMs: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    const p = track(Bun.spawn([binary, "--version"], { stdout: "ignore", stderr: "ignore" }));
    await p.exited;
    versionMs.push(performance.now() - t);
  }
  return {
    runs,
    readyMs,
    medianReadyMs: round(median(readyMs), 1),
    medianVersionMs: round(median(versionMs), 1),
    binaryBytes: statSync(binary).size,
  };
}
