/**
 * `ajc task cron scheduler` and the Go `ajc tasks cron scheduler` in one election: exactly one of
 * them fires the schedules at any time, each takes over when the other is killed, and each fires
 * the schedules the other side stored. Who fired a task shows in its id: the Go library makes
 * KSUIDs (27 characters), ajc makes ULIDs (26).
 *
 * The take-over times are printed: docs/interop.md quotes them. Either way a killed leader's key
 * lives out the election bucket's 10 s TTL, and a winner leads only after its first refresh: ajc
 * campaigns every second and confirms 2.5 s after winning, Go campaigns and confirms every 7.5 s.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import type { Task } from "../../src/core/task.ts";
import { describeInterop } from "./go-tools.ts";
import { type Interop, startInterop } from "./harness.ts";

const byGo = (t: Task) => t.id.length === 27;
const byAjc = (t: Task) => t.id.length === 26;

describeInterop("one scheduler election for ajc and Go", () => {
  let w: Interop;
  beforeAll(async () => {
    w = await startInterop();
    await w.client.createQueue({ name: "CRON" });
  });
  afterAll(() => w?.close());

  /** Every task the schedules made so far, oldest first. */
  const fired = async () => {
    const out: Task[] = [];
    for await (const t of w.client.listTasks()) if (t.type.startsWith("cron:")) out.push(t);
    return out;
  };
  /** Polls until `pred` holds for the fired tasks. */
  const until = async (what: string, pred: (ts: Task[]) => boolean, timeoutMs = 30_000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const ts = await fired();
      if (pred(ts)) return ts;
      if (Date.now() > deadline)
        throw new Error(`timed out waiting for ${what}; fired: ${ts.map((t) => t.id)}`);
      await Bun.sleep(100);
    }
  };
  const count = (ts: Task[], who: (t: Task) => boolean, type: string, after = 0) =>
    ts.filter((t) => who(t) && t.type === type && Date.parse(t.created) > after).length;

  test("exactly one leader fires both sides' schedules; each takes over from the other", async () => {
    const stored = await w.ajc(
      "task",
      "cron",
      "add",
      "ajc-tick",
      "@every 1s",
      "cron:ajc",
      "-q",
      "CRON",
      "--tries",
      "1",
      "--deadline",
      "1m",
      "--payload",
      "from ajc",
    );
    expect(stored.code).toBe(0);
    // Through the Go library: the Go CLI reads an argument starting with "@" as a file of arguments.
    const goStored = await w.helper<{ schedule: string }>(
      "schedule",
      "go-tick",
      "@every 1s",
      "CRON",
      "cron:go",
      "{}",
      "--tries",
      "1",
    );
    expect(goStored.schedule).toBe("@every 1s");

    // Go leads first: our scheduler joins once Go has won, and stays a follower.
    const go1 = w.spawnGo("ajc", ["tasks", "cron", "scheduler", "go-1"]);
    await go1.waitFor("Became leader", 20_000);
    const ours = w.spawnAjc(["task", "cron", "scheduler", "ajc-1"]);
    await ours.waitFor("starting leader election");
    const joined = Date.now();
    let ts = await until("Go to fire both schedules 3 times after ajc joined", (f) =>
      ["cron:ajc", "cron:go"].every((type) => count(f, byGo, type, joined) >= 3),
    );
    expect(ts.filter(byAjc)).toEqual([]);
    expect(ours.output()).not.toContain("is now the leader");

    // Kill Go's leader: ajc takes over once the leader key expires.
    const killedGo = Date.now();
    await go1.stop("SIGKILL");
    await ours.waitFor("is now the leader", 30_000);
    const goToAjc = Date.now() - killedGo;
    ts = await until("ajc to fire both schedules", (f) =>
      ["cron:ajc", "cron:go"].every((type) => count(f, byAjc, type) >= 2),
    );
    const lastGo = Math.max(...ts.filter(byGo).map((t) => Date.parse(t.created)));
    const firstAjc = Math.min(...ts.filter(byAjc).map((t) => Date.parse(t.created)));
    expect(lastGo).toBeLessThan(killedGo + 1_000);
    expect(firstAjc).toBeGreaterThan(lastGo);

    // Go joins again and stays a follower while ajc leads.
    const go2 = w.spawnGo("ajc", ["tasks", "cron", "scheduler", "go-2"]);
    await go2.waitFor("Starting leader election");
    const rejoined = Date.now();
    ts = await until(
      "ajc to fire 3 more times while Go campaigns",
      (f) => count(f, byAjc, "cron:go", rejoined) >= 3,
    );
    expect(count(ts, byGo, "cron:ajc", killedGo + 1_000) + count(ts, byGo, "cron:go", killedGo + 1_000)).toBe(
      0,
    );
    expect(go2.output()).not.toContain("Became leader");

    // Kill ajc: Go takes over.
    const killedAjc = Date.now();
    await ours.stop("SIGKILL");
    await go2.waitFor("Became leader", 40_000);
    const ajcToGo = Date.now() - killedAjc;
    ts = await until("Go to fire again", (f) => count(f, byGo, "cron:ajc", killedAjc) >= 1);
    const lastAjc = Math.max(...ts.filter(byAjc).map((t) => Date.parse(t.created)));
    expect(lastAjc).toBeLessThan(killedAjc + 1_000);

    // Whoever fired them, the tasks carry what their schedule says. The payload differs: ajc fires
    // the schedule's payload bytes; the Go v0.3.0 scheduler passes them to NewTask, which
    // JSON-encodes a byte slice, so its tasks carry the payload's base64 as a JSON string.
    const text = (t: Task) => Buffer.from(t.payload ?? "", "base64").toString();
    const asGoFires = (payload: string) => JSON.stringify(Buffer.from(payload).toString("base64"));
    for (const t of ts) {
      expect(t).toMatchObject({ queue: "CRON", max_tries: 1 });
      const stored = t.type === "cron:ajc" ? "from ajc" : "{}";
      expect(text(t)).toBe(byGo(t) ? asGoFires(stored) : stored);
      if (t.type === "cron:ajc") {
        expect(Date.parse(t.deadline ?? "") - Date.parse(t.created)).toBeCloseTo(60_000, -3);
      }
    }
    console.log(
      `scheduler take-over: Go leader killed -> ajc leads after ${(goToAjc / 1000).toFixed(1)} s; ` +
        `ajc leader killed -> Go leads after ${(ajcToGo / 1000).toFixed(1)} s`,
    );
    // Neither can lead before the dead leader's key expires (2.5-10 s after the kill) and its own
    // confirming refresh (ajc: 2.5 s after winning; Go: 7.5 s): at most about 13.5 s for ajc and
    // 25 s for Go, plus the moments the server takes to sweep an expired key.
    for (const ms of [goToAjc, ajcToGo]) {
      expect(ms).toBeGreaterThan(2_000);
      expect(ms).toBeLessThan(30_000);
    }
  }, 150_000);
});
