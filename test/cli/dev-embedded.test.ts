/**
 * A release-style build (`build/build.ts --embed-nats`) carries nats-server: `ajc dev` runs with no
 * nats-server installed, extracting its own to the cache directory on first use and replacing a
 * cached copy that does not match its hash. Building it needs Go (the CI machine has it; the Go
 * caches make rebuilds cheap), so without Go these tests are skipped, and only the host target is
 * built here.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { missingTools } from "../helpers/tools.ts";

const haveGo = !missingTools("go");
let root: string;
let ajc: string;
let env: Record<string, string>;

beforeAll(() => {
  if (!haveGo) return;
  root = mkdtempSync(join(tmpdir(), "ajc-embedded-test-"));
  ajc = join(root, "ajc");
  const r = spawnSync(
    process.execPath,
    [join(import.meta.dir, "..", "..", "build", "build.ts"), "--embed-nats", "--outfile", ajc],
    { encoding: "utf8" },
  );
  if (r.status !== 0) throw new Error(`building ajc with nats-server failed:\n${r.stdout}\n${r.stderr}`);
  for (const d of ["home", "cache", "tmp", "bin"]) mkdirSync(join(root, d));
  // No nats-server on this PATH: only the embedded one can serve.
  env = {
    PATH: join(root, "bin"),
    HOME: join(root, "home"),
    XDG_CACHE_HOME: join(root, "cache"),
    TMPDIR: join(root, "tmp"),
  };
}, 900_000);
const started: ReturnType<typeof Bun.spawn>[] = [];
afterAll(async () => {
  // A test that failed part way may have left its ajc dev running: kill it (its nats-server follows).
  for (const p of started) {
    if (p.exitCode === null) {
      p.kill("SIGKILL");
      await p.exited;
    }
  }
  if (root) rmSync(root, { recursive: true, force: true });
});

function run(args: string[]) {
  return spawnSync(ajc, args, { env, encoding: "utf8", timeout: 30_000 });
}

/** Starts `ajc dev --ephemeral` on free ports; resolves with its API URL once ready. */
async function startDev(): Promise<{ proc: ReturnType<typeof Bun.spawn>; api: string; out: () => string }> {
  const proc = Bun.spawn([ajc, "dev", "--ephemeral", "--port", "0", "--nats-port", "0"], {
    env,
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  started.push(proc);
  let out = "";
  const pump = async (s: ReadableStream<Uint8Array>) => {
    const dec = new TextDecoder();
    for await (const c of s) out += dec.decode(c, { stream: true });
  };
  void pump(proc.stdout as ReadableStream<Uint8Array>);
  void pump(proc.stderr as ReadableStream<Uint8Array>);
  const deadline = Date.now() + 30_000;
  while (!/enqueue a task:/.test(out)) {
    if (proc.exitCode !== null) throw new Error(`ajc dev exited (${proc.exitCode}):\n${out}`);
    if (Date.now() > deadline) throw new Error(`ajc dev not ready:\n${out}`);
    await Bun.sleep(25);
  }
  return { proc, api: /HTTP API\s+(http:\S+)/.exec(out)![1]!, out: () => out };
}

describe.skipIf(!haveGo)("a build with nats-server embedded", () => {
  const pin = () =>
    /github\.com\/nats-io\/nats-server\/v2 (v\S+)/.exec(
      readFileSync(join(import.meta.dir, "..", "..", "build", "nats-server", "go.mod"), "utf8"),
    )![1]!;

  test("ajc version names the embedded nats-server, its pinned version and its license", () => {
    const r = run(["version"]);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`embedded nats-server: ${pin()} for bun-`);
    expect(r.stdout).toContain("embedded in this ajc");
    const license = run(["version", "--nats-license"]);
    expect(license.stdout).toContain(`nats-server ${pin()}`);
    expect(license.stdout).toContain("Apache License");
  });

  test("ajc dev runs with nothing else installed, and a damaged cached copy is replaced", async () => {
    const first = await startDev();
    const created = await fetch(`${first.api}/v1/tasks`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ type: "demo", payload: {} }),
    });
    expect(created.status).toBe(201);
    expect(first.out()).toContain(`(${pin()}, embedded in this ajc`);
    first.proc.kill("SIGTERM");
    expect(await first.proc.exited).toBe(0);

    const cached = /nats-server\s+(\/\S+) \(/.exec(first.out())![1]!;
    expect(cached.startsWith(join(root, "cache", "ajc"))).toBe(true);
    expect(existsSync(join(cached, "..", "NOTICE.txt"))).toBe(true);
    // Damage the cached copy: the next start must notice by its hash and extract it again.
    writeFileSync(cached, "#!/bin/sh\nexit 1\n", { mode: 0o755 });
    const second = await startDev();
    expect((await fetch(`${second.api}/readyz`)).status).toBe(200);
    second.proc.kill("SIGTERM");
    expect(await second.proc.exited).toBe(0);
    expect(readFileSync(cached).length).toBeGreaterThan(1_000_000);
  });
});
