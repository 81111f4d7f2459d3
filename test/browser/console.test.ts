/**
 * The operator console in a real browser (issue 12, item 5): headless Debian Chromium driven by
 * playwright-core against the compiled binary, a real NATS and a worker running a shell script.
 * An operator creates a queue from the form, watches a task enqueued over HTTP turn complete, reads
 * a failing task's error and retries it, bulk-deletes, creates and deletes a schedule, pauses,
 * resumes, triggers and edits one, and the pages pass axe-core with no serious or critical violation, in light and dark mode.
 *
 * Needs /usr/bin/chromium; skipped without it unless AJC_REQUIRE_TOOLS=1. Never downloads a browser.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Page } from "playwright-core";
import {
  BOOT_QUEUE,
  type ConsoleEnv,
  chromiumMissing,
  startConsoleEnv,
  WORK_QUEUE,
} from "../helpers/console-env.ts";
import { skipUnless } from "../helpers/tools.ts";

const skip = skipUnless(!chromiumMissing(), "/usr/bin/chromium is missing (apt-get install chromium)");

const AXE = join(import.meta.dir, "..", "..", "node_modules", "axe-core", "axe.min.js");

/** Clicks `refresh` until `read` gives what `ok` wants (or 20 s pass); returns the last reading. */
async function until(page: Page, read: () => Promise<string>, ok: (s: string) => boolean, refresh?: string) {
  const deadline = Date.now() + 20_000;
  let last = await read();
  while (!ok(last) && Date.now() < deadline) {
    if (refresh) await page.getByRole("button", { name: refresh, exact: true }).click();
    await page.waitForTimeout(200);
    last = await read();
  }
  return last;
}

describe.skipIf(skip)("the operator console in a real browser", () => {
  let env: ConsoleEnv;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    env = await startConsoleEnv();
    page = await env.browser.newPage();
    page.on("pageerror", (e) => pageErrors.push(e.message));
  }, 120_000);
  afterAll(async () => {
    await env?.close();
  });

  const go = async (hash: string) => {
    await page.goto(`${env.url}/ui/${hash}`);
    await page.locator("main h1").waitFor();
  };

  test("/ opens the console; the overview shows readiness and the queues", async () => {
    await page.goto(env.url);
    expect(new URL(page.url()).pathname).toBe("/ui/");
    await page.getByTestId("readiness").waitFor();
    expect(await page.getByTestId("readiness").textContent()).toBe("ready");
    await page.getByRole("rowheader", { name: BOOT_QUEUE }).waitFor();
    expect(await page.title()).toBe("Overview · ajc console");
    expect(await page.getByTestId("scheduler-leader").textContent()).toBe("none leads");
  });

  test("the overview names the scheduler that leads", async () => {
    env.startScheduler("sched-console");
    const leader = page.getByTestId("scheduler-leader");
    // The overview refreshes itself every 5 s; a scheduler waits up to 5 s (Go's splay) to campaign.
    await page
      .getByTestId("scheduler-leader")
      .filter({ hasText: "sched-console" })
      .waitFor({ timeout: 30_000 });
    expect(await leader.textContent()).toBe("sched-console");
  }, 40_000);

  test("create a queue from the form; a bad setting is shown beside its field", async () => {
    await go("#/queues");
    await page.getByLabel("Name").fill(WORK_QUEUE);
    await page.getByLabel("Max age").fill("5 parsecs");
    await page.getByRole("button", { name: "Create queue" }).click();
    const fieldError = page.locator("#q-max_age-error");
    await fieldError.waitFor();
    expect(await fieldError.textContent()).toContain("parsecs");
    expect(await page.getByLabel("Max age").getAttribute("aria-invalid")).toBe("true");

    await page.getByLabel("Max age").fill("1h");
    await page.getByLabel("Max runtime").fill("30s");
    await page.getByLabel("Max concurrent").fill("4");
    await page.getByLabel("Discard old items when full").check();
    await page.getByRole("button", { name: "Create queue" }).click();
    await page
      .getByRole("status")
      .filter({ hasText: `Queue ${WORK_QUEUE} created.` })
      .waitFor();
    await page.locator(`tr[data-queue="${WORK_QUEUE}"]`).waitFor();
    expect(await fieldError.count()).toBe(0);
    const q = await env.client.queueInfo(WORK_QUEUE);
    expect({
      max_age: q.max_age,
      max_runtime: q.max_runtime,
      max_concurrent: q.max_concurrent,
      discard_old: q.discard_old,
    }).toEqual({
      max_age: 3_600_000_000_000,
      max_runtime: 30_000_000_000,
      max_concurrent: 4,
      discard_old: true,
    });
  });

  test("a task enqueued over HTTP appears in the live list and turns complete", async () => {
    await env.startWorker();
    await go(`#/tasks?queue=${WORK_QUEUE}`);
    const streams: string[] = [];
    page.on("request", (r) => {
      if (new URL(r.url()).pathname === "/v1/events") streams.push(r.url());
    });
    await page.getByLabel("Live updates").check();
    // The live list follows the event stream (the listing's queue only), not a timer.
    await page.getByTestId("live-mode").filter({ hasText: "as tasks change" }).waitFor();
    expect(streams.map((u) => new URL(u).search)).toContain(`?kind=task&queue=${WORK_QUEUE}`);
    const id = await env.enqueue("email:welcome", WORK_QUEUE, { to: "ops@example.com" });
    const row = page.locator(`tr[data-task-id="${id}"]`);
    await row.waitFor({ timeout: 20_000 });
    const state = await until(
      page,
      async () => (await row.locator(".badge").textContent()) ?? "",
      (s) => s === "complete",
    );
    expect(state).toBe("complete");

    await row.getByRole("link", { name: id }).click();
    await page.getByTestId("task-state").waitFor();
    expect(await page.getByTestId("payload").textContent()).toBe('{\n  "to": "ops@example.com"\n}');
    expect(await page.getByTestId("result").textContent()).toContain("done");
  });

  test("without the event stream (refused here with 429), the live list falls back to polling", async () => {
    const other = await env.browser.newPage();
    try {
      await other.route("**/v1/events?*", (r) =>
        r.fulfill({
          status: 429,
          contentType: "application/json",
          headers: { "retry-after": "5" },
          body: '{"error":{"code":"rate_limited","message":"too many","details":{"reason":"too_many_streams"}}}',
        }),
      );
      await other.goto(`${env.url}/ui/#/tasks?queue=${WORK_QUEUE}`);
      await other.locator("main h1").waitFor();
      await other.getByLabel("Live updates").check();
      await other.getByTestId("live-mode").filter({ hasText: "every 2 s" }).waitFor();
      const id = await env.enqueue("email:welcome", WORK_QUEUE, { to: "poll@example.com" });
      const row = other.locator(`tr[data-task-id="${id}"]`);
      await row.waitFor({ timeout: 20_000 });
      const state = await until(
        other,
        async () => (await row.locator(".badge").textContent()) ?? "",
        (s) => s === "complete",
      );
      expect(state).toBe("complete");
    } finally {
      await other.close();
    }
  });

  test("a failing task's error is shown; retried once the cause is fixed, it completes", async () => {
    const id = await env.enqueue("email:fail", WORK_QUEUE);
    await go(`#/tasks/${id}`);
    const lastErr = page.getByTestId("last-err");
    const err = await until(
      page,
      async () => (await lastErr.textContent()) ?? "",
      (s) => s !== "none",
      "Refresh",
    );
    expect(err).toContain("failed: exit status 3");
    expect(await page.getByTestId("task-state").textContent()).not.toBe("complete");

    writeFileSync(join(env.dir, "fixed"), "");
    await page.getByRole("button", { name: "Retry task" }).click();
    await page.getByRole("status").filter({ hasText: "Retried" }).waitFor();
    const state = await until(
      page,
      async () => (await page.getByTestId("task-state").textContent()) ?? "",
      (s) => s === "complete",
      "Refresh",
    );
    expect(state).toBe("complete");
  });

  test("an API error is shown with its message and reason", async () => {
    await go("#/tasks/NO_SUCH_TASK");
    const alert = page.getByRole("alert");
    await alert.waitFor();
    expect(await alert.textContent()).toContain("task_not_found");
    expect(await alert.textContent()).toContain("404");
  });

  test("bulk retry and bulk delete on a selection", async () => {
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push(await env.enqueue("bulk:job", BOOT_QUEUE, { i }));
    await go("#/tasks?type=bulk:job");
    await page.locator("tr[data-task-id]").nth(2).waitFor();
    expect(await page.locator("tr[data-task-id]").count()).toBe(3);

    await page.getByLabel("Select all tasks on this page").check();
    expect(await page.getByText("3 selected").count()).toBe(1);
    await page.getByRole("button", { name: "Retry selected" }).click();
    const retried = page.getByRole("status");
    await retried.waitFor();
    expect(await retried.textContent()).toMatch(/^Retried 3 of 3 tasks\.$/);

    await page.getByLabel(`Select task ${ids[0]}`).check();
    await page.getByLabel(`Select task ${ids[2]}`).check();
    await page.getByRole("button", { name: "Delete selected" }).click();
    const dialog = page.getByRole("dialog", { name: "Delete 2 tasks?" });
    await dialog.waitFor();
    await dialog.getByRole("button", { name: "Delete 2 tasks" }).click();
    await page.getByRole("status").filter({ hasText: "Deleted 2 of 2 tasks." }).waitFor();
    const status = async (id: string) => (await fetch(`${env.url}/v1/tasks/${id}`)).status;
    expect([await status(ids[0]!), await status(ids[1]!), await status(ids[2]!)]).toEqual([404, 200, 404]);
    await page.locator(`tr[data-task-id="${ids[0]}"]`).waitFor({ state: "detached" });
    await page.locator(`tr[data-task-id="${ids[2]}"]`).waitFor({ state: "detached" });
    expect(await page.locator("tr[data-task-id]").count()).toBe(1);
  });

  test("create a schedule (an invalid one is refused beside its field), see its next firing, delete it", async () => {
    await go("#/schedules");
    await page.getByLabel("Name").fill("nightly");
    await page.getByLabel("Schedule", { exact: true }).fill("every blue moon");
    await page.getByLabel("Queue").fill(WORK_QUEUE);
    await page.getByLabel("Task type").fill("report:nightly");
    await page.getByLabel("Payload").fill('{"kind":"daily"}');
    await page.getByRole("button", { name: "Create schedule" }).click();
    await page.locator("#s-schedule-error").waitFor();

    await page.getByLabel("Schedule", { exact: true }).fill("0 3 * * *");
    await page.getByRole("button", { name: "Create schedule" }).click();
    const row = page.locator('tr[data-schedule="nightly"]');
    await row.waitFor();
    const next = (await row.locator("time").getAttribute("datetime")) ?? "";
    const at = new Date(next);
    expect(at.getUTCMinutes()).toBe(0);
    expect(at.getTime()).toBeGreaterThan(Date.now());
    expect(at.getTime() - Date.now()).toBeLessThanOrEqual(24 * 3600_000);
    expect(await row.textContent()).toContain('"kind": "daily"');
    expect((await fetch(`${env.url}/v1/schedules/nightly`)).status).toBe(200);

    await page.getByRole("button", { name: "Delete schedule nightly" }).click();
    const dialog = page.getByRole("dialog", { name: "Delete schedule nightly?" });
    await dialog.getByRole("button", { name: "Delete schedule nightly" }).click();
    await page.getByRole("status").filter({ hasText: "Schedule nightly deleted." }).waitFor();
    await row.waitFor({ state: "detached" });
    expect((await fetch(`${env.url}/v1/schedules/nightly`)).status).toBe(404);
  });

  test("pause, resume, trigger and edit a schedule; a bad cron in the edit is shown beside its field", async () => {
    const created = await fetch(`${env.url}/v1/schedules`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        name: "digest",
        schedule: "0 3 * * *",
        queue: WORK_QUEUE,
        task_type: "report:digest",
        payload: { kind: "weekly" },
        deadline_offset: "1m",
        max_tries: 3,
      }),
    });
    expect(created.status).toBe(201);
    const stored = async () =>
      (await (await fetch(`${env.url}/v1/schedules/digest`)).json()) as Record<string, unknown>;
    const before = await stored();
    await go("");
    await go("#/schedules");
    const row = page.locator('tr[data-schedule="digest"]');
    await row.waitFor();
    expect(await row.locator("td.state").textContent()).toBe("active");
    expect(await row.locator("td.next time").count()).toBe(1);

    // Pause with the keyboard: the button keeps the focus and becomes Resume.
    await page.getByRole("button", { name: "Pause schedule digest" }).focus();
    await page.keyboard.press("Enter");
    await page.getByRole("status").filter({ hasText: "Schedule digest paused" }).waitFor();
    await page.getByRole("button", { name: "Resume schedule digest" }).waitFor();
    expect(await row.locator("td.next").textContent()).toBe("paused");
    expect(await row.locator("td.state").textContent()).toMatch(/^paused since /);
    expect(await page.evaluate("document.activeElement.getAttribute('aria-label')")).toBe(
      "Resume schedule digest",
    );
    const paused = await stored();
    expect(paused.paused).toBe(true);
    expect(typeof paused.paused_at).toBe("string");

    // Trigger now (a paused schedule too): the notice links to the task, which the worker runs.
    await page.getByRole("button", { name: "Trigger now: schedule digest" }).click();
    const triggered = page.getByRole("status").filter({ hasText: "Schedule digest triggered" });
    await triggered.waitFor();
    const id = (await triggered.getByRole("link").textContent()) ?? "";
    const task = (await (await fetch(`${env.url}/v1/tasks/${id}`)).json()) as Record<string, unknown>;
    expect(task).toMatchObject({ id, type: "report:digest", queue: WORK_QUEUE, max_tries: 3 });
    await triggered.getByRole("link").click();
    await page.getByRole("heading", { name: `Task ${id}` }).waitFor();
    const state = await until(
      page,
      async () => (await page.getByTestId("task-state").textContent()) ?? "",
      (s) => s === "complete",
      "Refresh",
    );
    expect(state).toBe("complete");
    expect(await page.getByTestId("payload").textContent()).toBe('{\n  "kind": "weekly"\n}');

    // Resume: active again, with a next firing.
    await go("#/schedules");
    await page.getByRole("button", { name: "Resume schedule digest" }).click();
    await page.getByRole("status").filter({ hasText: "Schedule digest resumed." }).waitFor();
    await row.locator("td.next time").waitFor();
    expect(await row.locator("td.state").textContent()).toBe("active");
    expect((await stored()).paused).toBeUndefined();

    // Edit: the form starts from the schedule's settings; a bad cron is refused beside its field.
    await page.getByRole("button", { name: "Edit schedule digest" }).click();
    const dialog = page.getByRole("dialog", { name: "Edit schedule digest" });
    await dialog.waitFor();
    expect(await page.evaluate("document.activeElement.id")).toBe("e-schedule");
    const cron = dialog.getByLabel("Schedule", { exact: true });
    expect({
      schedule: await cron.inputValue(),
      queue: await dialog.getByLabel("Queue").inputValue(),
      task_type: await dialog.getByLabel("Task type").inputValue(),
      deadline: await dialog.getByLabel("Deadline offset").inputValue(),
      max_tries: await dialog.getByLabel("Max tries").inputValue(),
      payload: await dialog.getByLabel("Payload").inputValue(),
    }).toEqual({
      schedule: "0 3 * * *",
      queue: WORK_QUEUE,
      task_type: "report:digest",
      deadline: "1m",
      max_tries: "3",
      payload: '{\n  "kind": "weekly"\n}',
    });
    await cron.fill("61 * * * *");
    await dialog.getByRole("button", { name: "Save schedule" }).click();
    const fieldError = page.locator("#e-schedule-error");
    await fieldError.waitFor();
    expect((await fieldError.textContent())?.length).toBeGreaterThan(0);
    expect(await cron.getAttribute("aria-invalid")).toBe("true");
    expect((await stored()).schedule).toBe("0 3 * * *");

    await cron.fill("30 4 * * *");
    await dialog.getByRole("button", { name: "Save schedule" }).click();
    await page.getByRole("status").filter({ hasText: "Schedule digest saved." }).waitFor();
    await dialog.waitFor({ state: "detached" });
    await row.locator("td.mono").filter({ hasText: "30 4 * * *" }).waitFor();
    const at = new Date((await row.locator("td.next time").getAttribute("datetime")) ?? "");
    expect(at.getUTCMinutes()).toBe(30);
    expect(at.getTime()).toBeGreaterThan(Date.now());
    expect(at.getTime() - Date.now()).toBeLessThanOrEqual(24 * 3600_000);
    // Only the cron changed: the unchanged payload went back as its very bytes.
    expect(await stored()).toEqual({ ...before, schedule: "30 4 * * *" });

    // Escape cancels an edit and changes nothing.
    await page.getByRole("button", { name: "Edit schedule digest" }).click();
    await dialog.waitFor();
    await cron.fill("@hourly");
    await page.keyboard.press("Escape");
    await dialog.waitFor({ state: "detached" });
    expect((await stored()).schedule).toBe("30 4 * * *");
  }, 40_000);

  test("purge and delete a queue after a confirmation that names it; Cancel changes nothing", async () => {
    await env.client.createQueue({ name: "TEMP" });
    await env.enqueue("temp:job", "TEMP");
    await go("#/queues");
    const row = page.locator('tr[data-queue="TEMP"]');
    await row.waitFor();

    await page.getByRole("button", { name: "Purge queue TEMP" }).click();
    const purge = page.getByRole("dialog", { name: "Purge queue TEMP?" });
    await purge.getByRole("button", { name: "Purge queue TEMP" }).click();
    await page.getByRole("status").filter({ hasText: "Queue TEMP purged." }).waitFor();
    expect((await env.client.queueInfo("TEMP")).entries).toBe(0);

    await page.getByRole("button", { name: "Delete queue TEMP" }).click();
    const del = page.getByRole("dialog", { name: "Delete queue TEMP?" });
    await del.getByRole("button", { name: "Cancel" }).click();
    expect(await del.count()).toBe(0);
    expect((await fetch(`${env.url}/v1/queues/TEMP`)).status).toBe(200);

    await page.keyboard.press("Tab");
    await page.getByRole("button", { name: "Delete queue TEMP" }).click();
    await del.getByRole("button", { name: "Delete queue TEMP" }).click();
    await page.getByRole("status").filter({ hasText: "Queue TEMP deleted." }).waitFor();
    await row.waitFor({ state: "detached" });
    expect((await fetch(`${env.url}/v1/queues/TEMP`)).status).toBe(404);
  });

  test("works with the keyboard: the skip link, the navigation, a dialog that Escape cancels", async () => {
    await go("");
    await page.keyboard.press("Tab");
    expect(await page.evaluate("document.activeElement.textContent")).toBe("Skip to content");
    await page.keyboard.press("Enter");
    expect(await page.evaluate("document.activeElement.id")).toBe("main");

    await page.getByRole("link", { name: "Queues" }).focus();
    await page.keyboard.press("Enter");
    await page.getByRole("heading", { name: "Queues", level: 1 }).waitFor();
    await page.getByRole("button", { name: `Delete queue ${BOOT_QUEUE}` }).focus();
    await page.keyboard.press("Enter");
    const dialog = page.getByRole("dialog", { name: `Delete queue ${BOOT_QUEUE}?` });
    await dialog.waitFor();
    // The safe choice has the focus; Escape closes the dialog and nothing is deleted.
    expect(await page.evaluate("document.activeElement.textContent")).toBe("Cancel");
    await page.keyboard.press("Escape");
    await dialog.waitFor({ state: "detached" });
    expect((await fetch(`${env.url}/v1/queues/${BOOT_QUEUE}`)).status).toBe(200);
  });

  test("1,000 tasks on one page: every row is there and can be selected at once", async () => {
    await env.client.createQueue({ name: "MANY" });
    for (let i = 0; i < 1000; i++) await env.client.enqueue(env.client.newTask("many:job", null), "MANY");
    // Unfiltered: the API reads the oldest 1000 and filters after, so a filter could show fewer.
    await go("#/tasks");
    await page.getByTestId("task-count").filter({ hasText: "1000 tasks read" }).waitFor({ timeout: 30_000 });
    await page.getByLabel("Rows per page").selectOption("1000");
    expect(await page.locator("tr[data-task-id]").count()).toBe(1000);
    await page.getByLabel("Select all tasks on this page").check();
    expect(await page.getByText("1000 selected").count()).toBe(1);
    expect(await page.locator("tr.selected").count()).toBe(1000);

    // Past the 1,000 one JSON page holds, the console reads page after page by the cursor.
    const stored = (await (await fetch(`${env.url}/v1/info`)).json()) as { task_count: number };
    expect(stored.task_count).toBeGreaterThan(1000);
    const listings: string[] = [];
    const onRequest = (r: { url(): string }) => {
      if (new URL(r.url()).pathname === "/v1/tasks") listings.push(new URL(r.url()).search);
    };
    page.on("request", onRequest);
    await page.getByLabel("Read at most").fill("5000");
    await page.getByRole("button", { name: "Apply filters" }).click();
    await page
      .getByTestId("task-count")
      .filter({ hasText: `${stored.task_count} tasks read` })
      .waitFor({ timeout: 30_000 });
    expect(new URL(page.url()).hash).toBe("#/tasks?limit=5000");
    page.off("request", onRequest);
    expect(listings.some((q) => q.includes("after="))).toBe(true);
    expect(listings.some((q) => q.includes("stream=ndjson"))).toBe(false);
    expect(await page.getByText("Page 1 of", { exact: false }).textContent()).toMatch(/^Page 1 of \d+$/);
  }, 60_000);

  test("every page passes axe-core (no serious or critical violations), light and dark", async () => {
    const axe = readFileSync(AXE, "utf8");
    const taskId = await env.enqueue("axe:check", BOOT_QUEUE, { a: 1 });
    const post = (path: string, body?: unknown) =>
      fetch(`${env.url}${path}`, {
        method: "POST",
        headers: body === undefined ? {} : { "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    const made = await post("/v1/schedules", {
      name: "axe-paused",
      schedule: "@daily",
      queue: BOOT_QUEUE,
      task_type: "axe:check",
    });
    expect(made.status).toBe(201);
    expect((await post("/v1/schedules/axe-paused/pause")).status).toBe(200);
    const found: string[] = [];
    for (const scheme of ["light", "dark"] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      for (const hash of ["", "#/tasks", `#/tasks/${taskId}`, "#/queues", "#/schedules", "edit"]) {
        if (hash === "edit") {
          // The schedules page again, with a paused schedule and the edit dialog open.
          await go("#/schedules");
          await page.getByRole("button", { name: "Edit schedule axe-paused" }).click();
          await page.getByRole("dialog", { name: "Edit schedule axe-paused" }).waitFor();
        } else await go(hash);
        await page.waitForLoadState("networkidle");
        // Playwright's evaluate is not subject to the page's CSP, which refuses inline script.
        await page.evaluate(axe);
        const violations =
          (await page.evaluate(`axe.run(document, { resultTypes: ["violations"] }).then((r) =>
          r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n) => n.target.join(" ")) })))`)) as {
            id: string;
            impact: string;
            nodes: string[];
          }[];
        for (const v of violations) {
          if (v.impact === "serious" || v.impact === "critical")
            found.push(
              `${scheme} ${hash || "#/"}: ${v.id} (${v.impact}) at ${v.nodes.slice(0, 3).join(", ")}`,
            );
        }
      }
    }
    expect(found).toEqual([]);
  }, 60_000);

  test("the pages raised no script error", () => {
    expect(pageErrors).toEqual([]);
    expect(existsSync(AXE)).toBe(true);
  });
});
