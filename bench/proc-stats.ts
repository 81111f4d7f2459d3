/** What /proc says about a process: resident memory (now and peak) and CPU time. */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";

let clkTck: number | undefined;

/** Clock ticks per second of /proc/<pid>/stat's CPU times. */
export function ticksPerSecond(): number {
  clkTck ??= Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout.trim()) || 100;
  return clkTck;
}

/**
 * VmRSS and VmHWM in MB (undefined once the process is gone), and VmRSS split into its anonymous
 * part (the heaps: what the program allocated) and its file-backed part (pages of the executable
 * and libraries it has touched: shared with every process running the same file, and dropped by the
 * kernel under memory pressure without swapping).
 */
export function memory(
  pid: number,
): { rssMB: number; hwmMB: number; anonMB: number; fileMB: number } | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/status`, "utf8");
  } catch {
    return undefined;
  }
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(text)?.[1] ?? 0);
  return {
    rssMB: kb("VmRSS") / 1024,
    hwmMB: kb("VmHWM") / 1024,
    anonMB: kb("RssAnon") / 1024,
    fileMB: kb("RssFile") / 1024,
  };
}

/** utime + stime of a process in seconds (undefined once it is gone). */
export function cpuSeconds(pid: number): number | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return undefined;
  }
  // Fields after the command name (which may hold spaces) start at field 3: state.
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return (utime + stime) / ticksPerSecond();
}

/** Samples a process's VmRSS every `everyMs` while running; `stop()` gives the peak seen. */
export class RssSampler {
  #peak = 0;
  #peakAnon = 0;
  readonly #timer: ReturnType<typeof setInterval>;

  constructor(
    private readonly pid: number,
    everyMs = 50,
  ) {
    this.#sample();
    this.#timer = setInterval(() => this.#sample(), everyMs);
  }

  #sample(): void {
    const m = memory(this.pid);
    if (m && m.rssMB > this.#peak) this.#peak = m.rssMB;
    if (m && m.anonMB > this.#peakAnon) this.#peakAnon = m.anonMB;
  }

  /** Peak anonymous RSS (see `memory`) in MB seen so far. */
  get peakAnon(): number {
    return this.#peakAnon;
  }

  /** Peak VmRSS in MB over the sampling period. */
  stop(): number {
    clearInterval(this.#timer);
    this.#sample();
    return this.#peak;
  }
}

/** CPU and memory of a process over one measured phase. */
export class PhaseMeter {
  readonly #cpu0: number;
  readonly #rss: RssSampler;

  constructor(private readonly pid: number) {
    this.#cpu0 = cpuSeconds(pid) ?? 0;
    this.#rss = new RssSampler(pid);
  }

  stop(): { cpuSeconds: number; peakRssMB: number; peakAnonMB: number } {
    const peakRssMB = this.#rss.stop();
    return {
      cpuSeconds: (cpuSeconds(this.pid) ?? this.#cpu0) - this.#cpu0,
      peakRssMB,
      peakAnonMB: this.#rss.peakAnon,
    };
  }
}

/**
 * Waits until `pid` has been nearly idle (under 10% of a core) for 200 ms, at most `maxMs`: after a
 * bulk fill nats-server keeps writing its store for a while, which would be charged to whatever
 * is measured next.
 */
export async function settle(pid: number, maxMs = 10_000): Promise<void> {
  const deadline = Date.now() + maxMs;
  let last = cpuSeconds(pid) ?? 0;
  while (Date.now() < deadline) {
    await Bun.sleep(200);
    const now = cpuSeconds(pid) ?? last;
    if (now - last < 0.02) return;
    last = now;
  }
}
