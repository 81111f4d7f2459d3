/**
 * The systemd units in deploy/: the sandboxing and stop behaviour are there, `systemd-analyze verify`
 * accepts them (when systemd-analyze exists), and the example environment files set only what
 * `ajc` reads.
 */
import { describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connectionFromFlags } from "../../src/cli/config.ts";
import { DEFAULT_WRITE_TIMEOUT_MS } from "../../src/http/server.ts";
import { DEFAULT_STOP_GRACE_MS } from "../../src/worker/worker.ts";
import { missingTools, skipUnless, toolOutput } from "../helpers/tools.ts";
import { envNames, helpOf } from "./help.ts";

const deploy = join(import.meta.dir, "..", "..", "deploy");
const BINARY = "/usr/local/bin/ajc";

type Unit = Record<string, Record<string, string[]>>;

/** Sections of key → values (a key may repeat, as SystemCallFilter= does). */
function parseUnit(text: string): Unit {
  const unit: Unit = {};
  let section: Record<string, string[]> | undefined;
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (!line || line.startsWith("#") || line.startsWith(";")) continue;
    const header = /^\[(\w+)\]$/.exec(line);
    if (header) {
      section = {};
      unit[header[1]!] = section;
      continue;
    }
    const eq = line.indexOf("=");
    if (!section || eq < 1) throw new Error(`not a unit line: ${line}`);
    const key = line.slice(0, eq);
    section[key] = [...(section[key] ?? []), line.slice(eq + 1)];
  }
  return unit;
}

/** A systemd time span (`45s`, `5min`, `1min 30s`, a bare number of seconds) in seconds. */
function seconds(span: string): number {
  const units: Record<string, number> = { "": 1, s: 1, sec: 1, m: 60, min: 60, h: 3600, hr: 3600 };
  let total = 0;
  for (const m of span.matchAll(/(\d+)\s*([a-z]*)/g)) {
    const unit = units[m[2]!];
    if (unit === undefined) throw new Error(`unknown time unit in ${span}`);
    total += Number(m[1]) * unit;
  }
  return total;
}

const UNITS = {
  "ajc-server.service": { command: "server run", env: "/etc/ajc/server.env", example: "server.env.example" },
  "ajc-worker@.service": {
    command: "task process",
    env: "/etc/ajc/worker-%i.env",
    example: "worker.env.example",
  },
  "ajc-scheduler.service": {
    command: "task cron scheduler %H",
    env: "/etc/ajc/scheduler.env",
    example: "scheduler.env.example",
  },
} as const;
type UnitName = keyof typeof UNITS;
const names = Object.keys(UNITS) as UnitName[];
const text = (f: string) => readFileSync(join(deploy, f), "utf8");
const units = Object.fromEntries(names.map((n) => [n, parseUnit(text(n))])) as Record<UnitName, Unit>;
const one = (u: Unit, section: string, key: string) => {
  const v = u[section]?.[key];
  if (v?.length !== 1) throw new Error(`${section}.${key}: expected one value, got ${JSON.stringify(v)}`);
  return v[0]!;
};

const REQUIRED: Record<string, string> = {
  DynamicUser: "yes",
  NoNewPrivileges: "yes",
  ProtectSystem: "strict",
  ProtectHome: "yes",
  PrivateTmp: "yes",
  RestrictAddressFamilies: "AF_INET AF_INET6 AF_UNIX",
  Restart: "on-failure",
  KillSignal: "SIGTERM",
  KillMode: "mixed",
  CapabilityBoundingSet: "",
};

describe.each(names)("%s", (name) => {
  const unit = units[name];
  const spec = UNITS[name];

  test("has the sandboxing and stop directives", () => {
    for (const [key, value] of Object.entries(REQUIRED)) {
      expect({ key, value: unit.Service?.[key] }).toEqual({ key, value: [value] });
    }
    expect(unit.Service?.SystemCallFilter).toEqual(["@system-service", "~@privileged @resources"]);
    expect(one(unit, "Install", "WantedBy")).toBe("multi-user.target");
  });

  test("does not deny writable executable memory (the JIT needs it)", () => {
    expect(unit.Service?.MemoryDenyWriteExecute ?? ["no"]).toEqual(["no"]);
  });

  test("runs the installed ajc with its command and reads its environment file", () => {
    const exec = one(unit, "Service", "ExecStart");
    expect(exec.startsWith(`${BINARY} ${spec.command}`)).toBe(true);
    expect(one(unit, "Service", "EnvironmentFile")).toBe(spec.env);
  });

  test("every variable on its command line is shown in the example environment file", () => {
    const vars = [...one(unit, "Service", "ExecStart").matchAll(/\$\{?(\w+)\}?/g)].map((m) => m[1]!);
    expect(vars.length).toBeGreaterThan(0);
    const example = envExamples[spec.example]!;
    for (const v of vars) expect(example.map((s) => s.key)).toContain(v);
  });

  test("gives SIGTERM time to drain before SIGKILL", () => {
    const stop = seconds(one(unit, "Service", "TimeoutStopSec"));
    if (name === "ajc-server.service") expect(stop).toBeGreaterThan(DEFAULT_WRITE_TIMEOUT_MS / 1000);
    if (name === "ajc-worker@.service") expect(stop).toBeGreaterThan(DEFAULT_STOP_GRACE_MS / 1000);
    expect(stop).toBeGreaterThanOrEqual(30);
  });
});

interface Setting {
  key: string;
  value: string;
  commented: boolean;
}

/** KEY=VALUE lines, set or commented out; any other line is an error. */
function parseEnvExample(file: string): Setting[] {
  const settings: Setting[] = [];
  for (const raw of text(file).split("\n")) {
    const line = raw.trimEnd();
    const m = /^(#)?([A-Z][A-Z0-9_]*)=(.*)$/.exec(line);
    if (m) settings.push({ key: m[2]!, value: m[3]!, commented: m[1] === "#" });
    else if (line && !line.startsWith("# ") && line !== "#")
      throw new Error(`${file}: unexpected line ${line}`);
  }
  return settings;
}

const exampleFiles = ["server.env.example", "worker.env.example", "scheduler.env.example"];
const envExamples = Object.fromEntries(exampleFiles.map((f) => [f, parseEnvExample(f)]));

/** Undefined until `ajc task process` exists in this tree. */
const processHelp = await helpOf(["task", "process"]);

describe("example environment files", () => {
  test.each(exampleFiles)("%s works for systemd and docker --env-file alike", (file) => {
    for (const s of envExamples[file]!) {
      expect(s.key).toMatch(/^(AJC|NATS)_/);
      expect(s.value).not.toMatch(/^["']|\s#/);
    }
    expect(envExamples[file]!.find((s) => s.key === "NATS_URL")?.commented).toBe(false);
  });

  test("every NATS_ variable is one that ajc reads", () => {
    const none = connectionFromFlags({}, {});
    for (const s of Object.values(envExamples).flat()) {
      if (!s.key.startsWith("NATS_")) continue;
      expect({ key: s.key, read: connectionFromFlags({}, { [s.key]: "x" }) }).not.toEqual({
        key: s.key,
        read: none,
      });
    }
  });

  test("the worker file sets the arguments of `ajc task process`", () => {
    const set = envExamples["worker.env.example"]!.filter((s) => !s.commented).map((s) => s.key);
    expect(set).toEqual(expect.arrayContaining(["AJC_TYPE", "AJC_QUEUE", "AJC_CONCURRENCY", "AJC_COMMAND"]));
  });

  test("every AJC_ variable of the server file is one `ajc server run --help` lists", async () => {
    const help = await helpOf(["server", "run"]);
    expect(help).toBeDefined();
    const listed = envNames(help!);
    for (const s of envExamples["server.env.example"]!) {
      if (!s.key.startsWith("AJC_") || s.key === "AJC_SERVER_FLAGS") continue;
      expect({ key: s.key, listed: listed.includes(s.key) }).toEqual({ key: s.key, listed: true });
    }
  });

  test("the worker file's AJC_ variables are ones `ajc task process` reads", () => {
    expect(processHelp).toBeDefined();
    const listed = envNames(processHelp!);
    for (const s of envExamples["worker.env.example"]!) {
      if (!s.key.startsWith("AJC_") || s.key === "AJC_WORKER_FLAGS") continue;
      expect({ key: s.key, listed: listed.includes(s.key) }).toEqual({ key: s.key, listed: true });
    }
  });
});

const noAnalyze = missingTools("systemd-analyze");
// `security --offline` came with systemd 250; an older one is a skip (an error in CI) of its own.
const noOfflineSecurity =
  noAnalyze ||
  skipUnless(
    toolOutput("systemd-analyze", ["security", "--help"])?.includes("--offline") ?? false,
    "systemd-analyze has no `security --offline` (systemd 250 or newer)",
  );

/** Copies the units into a temporary directory, pointing ExecStart at an executable stub. */
function stagedUnits(): { dir: string; paths: string[] } {
  const dir = mkdtempSync(join(tmpdir(), "ajc-units-"));
  const stub = join(dir, "ajc");
  writeFileSync(stub, "#!/bin/sh\nexit 0\n");
  chmodSync(stub, 0o755);
  const paths = names.map((n) => {
    const p = join(dir, n);
    writeFileSync(p, text(n).replaceAll(BINARY, stub));
    return p;
  });
  return { dir, paths };
}

describe("systemd-analyze", () => {
  test.skipIf(noAnalyze)("verify accepts every unit without a warning", () => {
    const { dir, paths } = stagedUnits();
    try {
      const r = spawnSync("systemd-analyze", ["verify", ...paths], { encoding: "utf8", timeout: 60_000 });
      const ours = `${r.stdout}\n${r.stderr}`
        .split("\n")
        .filter((l) => l.includes(dir) || l.includes("ajc-"));
      expect({ status: r.status, lines: ours }).toEqual({ status: 0, lines: [] });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test.skipIf(noOfflineSecurity)("security rates every unit well below the default exposure", () => {
    const { dir, paths } = stagedUnits();
    try {
      for (const p of paths) {
        // --threshold counts tenths: 25 is an exposure level of 2.5 (systemd's scale ends at 10).
        const r = spawnSync("systemd-analyze", ["security", "--offline=true", "--threshold=25", p], {
          encoding: "utf8",
          timeout: 60_000,
        });
        const level = /Overall exposure level for \S+: ([\d.]+)/.exec(r.stdout)?.[1];
        expect({ unit: p, status: r.status }).toEqual({ unit: p, status: 0 });
        expect(Number(level)).toBeLessThanOrEqual(2.5);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
