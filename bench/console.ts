/**
 * Part 6: the operator console's first render. Headless Debian Chromium (playwright-core, never a
 * downloaded browser) opens `/ui/` of the compiled server on loopback and waits until the overview
 * shows the server's readiness and the queue table, both filled from the API. A first visit runs in
 * a fresh browser context (nothing cached); a repeat visit reloads in the same context (the hashed
 * assets come from the cache, the page is revalidated by its ETag).
 */
import { existsSync } from "node:fs";
import { chromium } from "playwright-core";
import { startServer } from "./server.ts";
import { median, round } from "./stats.ts";

const CHROMIUM = "/usr/bin/chromium";
const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

export interface ConsoleResult {
  runs: number;
  /** Navigation start to the overview filled in, each first visit (fresh context), in ms. */
  firstVisitMs: number[];
  medianFirstVisitMs: number;
  /** The same after a reload in the same context (assets cached), in ms. */
  repeatVisitMs: number[];
  medianRepeatVisitMs: number;
}

/** Undefined (with the reason logged by the caller) when there is no Chromium to drive. */
export function consoleBenchUnavailable(): string | undefined {
  return existsSync(CHROMIUM) ? undefined : `no ${CHROMIUM} (apt-get install chromium)`;
}

export async function runConsole(
  binary: string,
  natsUrl: string,
  queue: string,
  runs: number,
): Promise<ConsoleResult> {
  const server = await startServer([binary], natsUrl, queue);
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  const firstVisitMs: number[] = [];
  const repeatVisitMs: number[] = [];
  try {
    for (let i = 0; i < runs; i++) {
      const context = await browser.newContext();
      try {
        const page = await context.newPage();
        // The time is read in the page, from its own navigation start, so the browser's start-up
        // and Playwright's round trips are not counted.
        const rendered = async () => {
          await page.getByTestId("readiness").waitFor();
          await page.getByRole("rowheader", { name: queue }).waitFor();
          return page.evaluate(() => performance.now());
        };
        await page.goto(`${server.base}/ui/`);
        firstVisitMs.push(round(await rendered(), 1));
        await page.reload();
        repeatVisitMs.push(round(await rendered(), 1));
      } finally {
        await context.close();
      }
    }
  } finally {
    await browser.close();
    await server.close();
  }
  return {
    runs,
    firstVisitMs,
    medianFirstVisitMs: round(median(firstVisitMs), 1),
    repeatVisitMs,
    medianRepeatVisitMs: round(median(repeatVisitMs), 1),
  };
}
