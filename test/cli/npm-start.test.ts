/**
 * `npm start` (build/start.ts), the README's one step: it builds build/ajc when needed, runs `ajc
 * dev` with the demo worker and sends it a task, which completes; SIGTERM stops all of it.
 */
import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const root = mkdtempSync(join(tmpdir(), "ajc-npm-start-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

test("npm start shows a demo task completing, and SIGTERM leaves no nats-server", async () => {
  const proc = Bun.spawn(
    [
      process.execPath,
      join(import.meta.dir, "..", "..", "build", "start.ts"),
      "--ephemeral",
      "--port",
      "0",
      "--nats-port",
      "0",
    ],
    {
      env: { PATH: process.env.PATH ?? "", HOME: root, TMPDIR: root },
      stdin: "ignore",
      stdout: "pipe",
      stderr: "pipe",
    },
  );
  let out = "";
  const pump = async (s: ReadableStream<Uint8Array>) => {
    const dec = new TextDecoder();
    for await (const c of s) out += dec.decode(c, { stream: true });
  };
  void pump(proc.stdout as ReadableStream<Uint8Array>);
  void pump(proc.stderr as ReadableStream<Uint8Array>);
  try {
    // The first run may build build/ajc first.
    const deadline = Date.now() + 120_000;
    while (!/task \S+ type=demo state=complete/.test(out)) {
      if (proc.exitCode !== null) throw new Error(`npm start exited (${proc.exitCode}):\n${out}`);
      if (Date.now() > deadline) throw new Error(`no demo task completed:\n${out}`);
      await Bun.sleep(50);
    }
    const sent = /sent demo task (\S+);/.exec(out)?.[1];
    expect(out).toContain(`task ${sent} type=demo state=complete`);
    proc.kill("SIGTERM");
    expect(await proc.exited).toBe(0);
    const dataDir = /data in (.+?)\);/.exec(out)![1]!;
    const left = readdirSync("/proc").filter((p) => {
      try {
        return /^\d+$/.test(p) && readFileSync(`/proc/${p}/cmdline`, "utf8").includes(dataDir);
      } catch {
        return false;
      }
    });
    expect(left).toEqual([]);
  } finally {
    if (proc.exitCode === null) proc.kill("SIGKILL");
  }
}, 180_000);
