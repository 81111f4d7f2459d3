/**
 * Lifecycle events cross too: `ajc task watch` and the Go `ajc tasks watch`, side by side, print
 * the same lines for the state changes the Go worker and our worker publish, and for an election
 * our scheduler wins.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { Router, runWorker } from "../../src/worker/index.ts";
import type { AjcProcess } from "../helpers/binary.ts";
import { describeInterop } from "./go-tools.ts";
import { enqueuedId, type GoTask, type Interop, startInterop } from "./harness.ts";

describeInterop("lifecycle events between ajc and Go", () => {
  let w: Interop;
  let goWatch: AjcProcess;
  let ourWatch: AjcProcess;
  beforeAll(async () => {
    w = await startInterop();
    await w.client.createQueue({ name: "EVGO" });
    await w.client.createQueue({ name: "EVTS" });
    ourWatch = w.spawnAjc(["task", "watch"]);
    await ourWatch.waitFor("Watching all events");
    goWatch = w.spawnGo("ajc", ["tasks", "watch"]);
    // The Go CLI says nothing when it has subscribed: wait for it to print an event of ours.
    const deadline = Date.now() + 20_000;
    while (!goWatch.output().includes("state: new")) {
      if (Date.now() > deadline) throw new Error(`Go tasks watch printed nothing:\n${goWatch.output()}`);
      await w.ajc("task", "add", "ev:probe", "{}", "-q", "EVTS");
      await Bun.sleep(200);
    }
  });
  afterAll(() => w?.close());

  const linesAbout = (p: AjcProcess, id: string) =>
    p
      .output()
      .split("\n")
      .filter((l) => l.includes(id))
      .map((l) => l.trim());

  test("both watchers print the same lines for Go's and our workers' state changes", async () => {
    const toGo = enqueuedId(
      await w.ajc("task", "add", "ev:go", '{"do":"fail_until","tries":2}', "-q", "EVGO"),
    );
    const goWorker = w.spawnGo("helper", ["worker", w.nats.url, "EVGO", "ev:go"]);
    const toUs = (await w.helper<GoTask>("enqueue", "EVTS", "ev:ts", '"x"')).id;
    const stop = new AbortController();
    const worker = runWorker(
      w.client,
      new Router().handle("ev:ts", () => "done"),
      { queue: "EVTS", signal: stop.signal },
    );

    const bothComplete = async (id: string) => {
      const deadline = Date.now() + 30_000;
      while (
        ![ourWatch, goWatch].every((p) => linesAbout(p, id).some((l) => l.includes("state: complete")))
      ) {
        if (Date.now() > deadline)
          throw new Error(`no complete event for ${id}:\n${ourWatch.output()}\n${goWatch.output()}`);
        await Bun.sleep(50);
      }
    };
    await bothComplete(toGo);
    await bothComplete(toUs);
    stop.abort();
    await worker;
    await goWorker.stop();

    for (const id of [toGo, toUs]) expect(linesAbout(ourWatch, id)).toEqual(linesAbout(goWatch, id));
    const goSide = linesAbout(ourWatch, toGo).join("\n");
    expect(goSide).toMatch(/tries: 1 state: retry error: try 1 of 2 fails/);
    expect(goSide).toMatch(/tries: 2 state: complete/);
    expect(linesAbout(goWatch, toUs).join("\n")).toMatch(/queue: EVTS type: ev:ts tries: 1 state: complete/);
  });

  test("both print our scheduler's election the same way", async () => {
    w.spawnAjc(["task", "cron", "scheduler", "ev-sched"]);
    const deadline = Date.now() + 30_000;
    while (![ourWatch, goWatch].every((p) => linesAbout(p, "ev-sched").length > 0)) {
      if (Date.now() > deadline)
        throw new Error(`no election event:\n${ourWatch.output()}\n${goWatch.output()}`);
      await Bun.sleep(50);
    }
    expect(linesAbout(ourWatch, "ev-sched")).toEqual(linesAbout(goWatch, "ev-sched"));
    expect(linesAbout(goWatch, "ev-sched")[0]).toMatch(
      /^\[\d\d:\d\d:\d\d\] ev-sched: new task_scheduler leader$/,
    );
  });
});
