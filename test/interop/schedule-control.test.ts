/**
 * Schedule control while a Go `ajc tasks cron scheduler` (v0.3.0) leads: a schedule ajc paused
 * is not fired by Go, resuming makes Go fire it again, an update made by ajc changes Go's timing
 * (and leaves none of the old one behind), and a trigger enqueues one task. Go's tasks have
 * 27-character KSUIDs, ajc's 26-character ULIDs.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import type { Task } from "../../src/core/task.ts";
import type { AjcProcess } from "../helpers/binary.ts";
import { describeInterop } from "./go-tools.ts";
import { type Interop, startInterop } from "./harness.ts";

const byGo = (t: Task) => t.id.length === 27;

describeInterop("schedule control with a Go scheduler leading", () => {
  let w: Interop;
  let go: AjcProcess;
  beforeAll(async () => {
    w = await startInterop();
    await w.client.createQueue({ name: "CTLGO" });
    go = w.spawnGo("ajc", ["tasks", "cron", "scheduler", "go-ctl"]);
    await go.waitFor("Became leader", 30_000);
  }, 60_000);
  afterAll(() => w?.close());

  const fired = async () => {
    const out: Task[] = [];
    for await (const t of w.client.listTasks()) if (t.type === "ctl:go") out.push(t);
    return out;
  };
  const until = async (what: string, pred: (ts: Task[]) => boolean, timeoutMs = 30_000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const ts = await fired();
      if (pred(ts)) return ts;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; Go said:\n${go.output()}`);
      await Bun.sleep(100);
    }
  };
  /** Go's log lines that mention the schedule (it logs each watch update it applies). */
  const goSaid = (text: string) => go.output().split(text).length - 1;
  const waitGoSaid = async (text: string, times: number) => {
    const deadline = Date.now() + 20_000;
    while (goSaid(text) < times) {
      if (Date.now() > deadline) throw new Error(`Go did not say ${text} ${times} times:\n${go.output()}`);
      await Bun.sleep(50);
    }
  };
  /** The count of fired tasks once Go has applied a change, and after several due times more. */
  const holds = async (): Promise<[number, number]> => {
    await Bun.sleep(700); // a firing already under way when the change arrived lands
    const before = (await fired()).length;
    await Bun.sleep(3_500);
    return [before, (await fired()).length];
  };

  test("pause holds, resume fires again, an update replaces Go's timing, trigger enqueues once", async () => {
    const added = await w.ajc("task", "cron", "add", "go-ctl-tick", "@every 1s", "ctl:go", "-q", "CTLGO");
    expect(added.code).toBe(0);
    await until("Go to fire the schedule twice", (ts) => ts.filter(byGo).length >= 2);
    const registered = "Registered a new item go-ctl-tick";
    expect(goSaid(registered)).toBe(1);

    // Pause: Go sees its key go away and stops firing it.
    const paused = await w.ajc("task", "cron", "pause", "go-ctl-tick");
    expect(paused.code).toBe(0);
    await waitGoSaid("Removed scheduled task go-ctl-tick", 1);
    const [atPause, afterPause] = await holds();
    expect(afterPause).toBe(atPause);
    // The Go CLI does not list it while paused; ajc's does, marked.
    expect((await w.goAjc("tasks", "cron", "ls")).stdout).not.toContain("go-ctl-tick");
    expect((await w.ajc("task", "cron", "ls")).stdout).toContain("@every 1s (paused)");

    // Resume: Go fires it again.
    expect((await w.ajc("task", "cron", "resume", "go-ctl-tick")).code).toBe(0);
    await waitGoSaid(registered, 2);
    await until("Go to fire the resumed schedule twice", (ts) => ts.length >= atPause + 2);

    // Update to hourly: Go then has the new timing only. (Overwriting the key in place would
    // leave Go v0.3.0 firing every second as well: it adds a changed schedule's new timing
    // without removing the old.)
    const edited = await w.ajc("task", "cron", "edit", "go-ctl-tick", "--schedule", "@every 1h");
    expect(edited.code).toBe(0);
    await waitGoSaid(`${registered} on queue CTLGO: @every 1h`, 1);
    const [atEdit, afterEdit] = await holds();
    expect(afterEdit).toBe(atEdit);
    expect((await w.goAjc("tasks", "cron", "view", "go-ctl-tick")).stdout).toContain("@every 1h");

    // Trigger: one task, now, made by ajc, while Go leads.
    const trig = await w.ajc("task", "cron", "trigger", "go-ctl-tick", "--json");
    expect(trig.code).toBe(0);
    const id = (JSON.parse(trig.stdout) as Task).id;
    await Bun.sleep(1_000);
    const ts = await fired();
    expect(ts).toHaveLength(atEdit + 1);
    expect(ts.filter((t) => t.id === id)).toHaveLength(1);
    expect(id).toHaveLength(26);
  }, 120_000);

  test("a name ajc paused and Go's CLI adds again is active in ajc and in Go, and the next pause leaves one key", async () => {
    expect(
      (await w.ajc("task", "cron", "add", "go-readd", "@every 1h", "ctl:readd", "-q", "CTLGO")).code,
    ).toBe(0);
    await waitGoSaid("Registered a new item go-readd", 1);
    expect((await w.ajc("task", "cron", "pause", "go-readd")).code).toBe(0);
    await waitGoSaid("Removed scheduled task go-readd", 1);
    // (Go's CLI reads an argument starting with @ as a file of arguments: a cron line it is.)
    const added = await w.goAjc(
      "tasks",
      "cron",
      "add",
      "go-readd",
      "*/5 * * * *",
      "ctl:readd",
      "-q",
      "CTLGO",
    );
    expect({ code: added.code, out: added.stdout + added.stderr }).toMatchObject({ code: 0 });
    // Go's scheduler loads it, and ajc shows what the newer key says: active, Go's timing.
    await waitGoSaid("Registered a new item go-readd", 2);
    const ls = (await w.ajc("task", "cron", "ls")).stdout;
    expect(ls).toContain("*/5 * * * *");
    expect(ls).not.toContain("(paused)");
    // Pausing it now pauses what Go fires, and only the paused key is left.
    expect((await w.ajc("task", "cron", "pause", "go-readd")).code).toBe(0);
    await waitGoSaid("Removed scheduled task go-readd", 2);
    expect((await w.goAjc("tasks", "cron", "ls")).stdout).not.toContain("go-readd");
    expect((await w.ajc("task", "cron", "ls")).stdout).toContain("*/5 * * * * (paused)");
    expect((await w.ajc("task", "cron", "resume", "go-readd")).code).toBe(0);
    await waitGoSaid("Registered a new item go-readd", 3);
    expect((await w.goAjc("tasks", "cron", "ls")).stdout).toContain("go-readd");
  }, 120_000);
});
