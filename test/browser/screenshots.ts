/**
 * Regenerates the screenshots of the console (docs/console/*.png) that docs/console.md shows:
 * `npm run screenshots`.
 * Starts what the browser tests start (NATS, the compiled binary, a worker, headless Chromium),
 * fills it with a few queues, tasks (done, failed, waiting) and schedules (one paused), and shoots
 * each page.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { BOOT_QUEUE, chromiumMissing, startConsoleEnv, WORK_QUEUE } from "../helpers/console-env.ts";

const OUT = join(import.meta.dir, "..", "..", "docs", "console");

async function settle(page: Page, url: string) {
  await page.goto(url);
  await page.locator("main h1").waitFor();
  await page.waitForLoadState("networkidle");
}

async function main(): Promise<number> {
  if (chromiumMissing()) {
    console.error("screenshots: /usr/bin/chromium is missing (apt-get install chromium)");
    return 1;
  }
  mkdirSync(OUT, { recursive: true });
  for (const scheme of ["light", "dark"] as const) {
    const env = await startConsoleEnv({ colorScheme: scheme });
    try {
      const c = env.client;
      await c.createQueue({ name: WORK_QUEUE, max_runtime: "5m", max_concurrent: 10 });
      await c.createQueue({ name: "REPORTS", max_age: "24h", max_tries: 5 });
      await env.startWorker();
      env.startScheduler("scheduler-1");
      for (let i = 0; i < 6; i++)
        await env.enqueue("email:welcome", WORK_QUEUE, { to: `user${i}@example.com` });
      const failing = await env.enqueue("email:fail", WORK_QUEUE, { to: "nobody@example.invalid" });
      for (let i = 0; i < 3; i++) await env.enqueue("report:monthly", "REPORTS", { month: `2026-0${i + 1}` });
      await env.enqueue("import:csv", BOOT_QUEUE, { file: "customers.csv" });
      for (const [name, schedule, queue, type] of [
        ["nightly-report", "0 3 * * *", "REPORTS", "report:nightly"],
        ["cleanup", "@every 15m", WORK_QUEUE, "cleanup:tmp"],
        ["weekly-digest", "CRON_TZ=Europe/Paris 0 8 * * 1", WORK_QUEUE, "email:digest"],
      ] as const) {
        await fetch(`${env.url}/v1/schedules`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ name, schedule, queue, task_type: type }),
        });
      }
      // One paused, to show how a paused schedule looks.
      await fetch(`${env.url}/v1/schedules/weekly-digest/pause`, { method: "POST" });
      // Let the worker finish the good ones and fail the bad one, and the scheduler win its election.
      const deadline = Date.now() + 20_000;
      const leads = async () =>
        ((await (await fetch(`${env.url}/v1/info`)).json()) as { scheduler_leader?: string })
          .scheduler_leader;
      while (Date.now() < deadline && ((await c.loadTask(failing)).tries < 1 || !(await leads())))
        await Bun.sleep(200);
      await Bun.sleep(500);

      const page = await env.browser.newPage();
      const suffix = scheme === "dark" ? "-dark" : "";
      const shots: [string, string][] =
        scheme === "dark"
          ? [["overview", ""]]
          : [
              ["overview", ""],
              ["tasks", "#/tasks"],
              ["task", `#/tasks/${failing}`],
              ["queues", "#/queues"],
              ["schedules", "#/schedules"],
            ];
      for (const [name, hash] of shots) {
        await settle(page, `${env.url}/ui/${hash}`);
        const file = join(OUT, `${name}${suffix}.png`);
        await page.screenshot({ path: file, fullPage: true });
        console.log(`wrote ${file}`);
      }
    } finally {
      await env.close();
    }
  }
  return 0;
}

process.exit(await main());
