/** The one signal policy of long-running commands: the first signal stops, a second exits. */
import { expect, test } from "bun:test";
import { stopOnSignal } from "../../src/cli/signals.ts";

test("the first signal aborts and names itself; dispose stops listening", async () => {
  const before = process.listenerCount("SIGTERM");
  const seen: string[] = [];
  const stop = stopOnSignal({ first: (sig) => seen.push(sig) });
  expect(process.listenerCount("SIGTERM")).toBe(before + 1);
  process.emit("SIGTERM", "SIGTERM");
  expect(await stop.stopped).toBe("SIGTERM");
  expect(stop.signal.aborted).toBe(true);
  expect(String(stop.signal.reason)).toContain("stopped by SIGTERM");
  expect(seen).toEqual(["SIGTERM"]);
  stop.dispose();
  expect(process.listenerCount("SIGTERM")).toBe(before);
});

test("a second signal exits at once, with the status asked for", async () => {
  const script = `
    import { stopOnSignal } from ${JSON.stringify(`${import.meta.dir}/../../src/cli/signals.ts`)};
    stopOnSignal({ again: (sig) => console.log("again " + sig), exitCode: (sig) => (sig === "SIGINT" ? 130 : 7) });
    process.emit("SIGINT", "SIGINT");
    process.emit("SIGTERM", "SIGTERM");
    setTimeout(() => {}, 10_000);
  `;
  const p = Bun.spawn([process.execPath, "-e", script], { stdout: "pipe" });
  expect(await p.exited).toBe(7);
  expect(await new Response(p.stdout).text()).toBe("again SIGTERM\n");
});
