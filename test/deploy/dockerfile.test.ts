/**
 * The Dockerfile agrees with the build script and with what docs/deployment.md promises. No
 * Docker engine runs here: the file is parsed; CI's container job builds and runs the image.
 */
import { describe, expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseBuildArgs } from "../../build/build.ts";
import { isTarget, SUPPORTED_TARGETS } from "../../build/targets.ts";
import pkg from "../../package.json" with { type: "json" };

const root = join(import.meta.dir, "..", "..");

interface Instruction {
  op: string;
  args: string;
}

interface Stage {
  from: string;
  name?: string;
  body: Instruction[];
}

/** Instructions with continuation lines joined and comments dropped. */
function instructions(text: string): Instruction[] {
  const out: Instruction[] = [];
  let pending = "";
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line.startsWith("#") || (!line && !pending)) continue;
    if (line.endsWith("\\")) {
      pending += `${line.slice(0, -1)} `;
      continue;
    }
    const full = (pending + line).trim();
    pending = "";
    if (!full) continue;
    const m = /^(\S+)\s*(.*)$/.exec(full)!;
    out.push({ op: m[1]!.toUpperCase(), args: m[2]! });
  }
  return out;
}

function parseDockerfile(text: string): { globalArgs: Instruction[]; stages: Stage[] } {
  const globalArgs: Instruction[] = [];
  const stages: Stage[] = [];
  for (const ins of instructions(text)) {
    if (ins.op === "FROM") {
      const m = /^(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?$/i.exec(ins.args);
      if (!m) throw new Error(`unreadable FROM ${ins.args}`);
      stages.push({ from: m[1]!, name: m[2], body: [] });
    } else if (stages.length === 0) globalArgs.push(ins);
    else stages.at(-1)!.body.push(ins);
  }
  return { globalArgs, stages };
}

/** `.dockerignore` semantics: the last matching pattern wins; a pattern matching a directory covers its contents. */
function dockerIgnored(patterns: string[], path: string): boolean {
  const toRegex = (glob: string) =>
    new RegExp(
      `^${glob
        .replace(/^\/+|\/+$/g, "")
        .split("/")
        .map((seg) =>
          seg === "**"
            ? ".*"
            : seg
                .replace(/[.+^${}()|[\]\\]/g, "\\$&")
                .replace(/\*/g, "[^/]*")
                .replace(/\?/g, "[^/]"),
        )
        .join("/")}$`,
    );
  const parts = path.split("/");
  const prefixes = parts.map((_, i) => parts.slice(0, i + 1).join("/"));
  let ignored = false;
  for (const raw of patterns) {
    const negated = raw.startsWith("!");
    const re = toRegex(negated ? raw.slice(1) : raw);
    if (prefixes.some((p) => re.test(p))) ignored = !negated;
  }
  return ignored;
}

const dockerfile = readFileSync(join(root, "Dockerfile"), "utf8");
const { globalArgs, stages } = parseDockerfile(dockerfile);
const ignore = readFileSync(join(root, ".dockerignore"), "utf8")
  .split("\n")
  .map((l) => l.trim())
  .filter((l) => l && !l.startsWith("#"));
const build = stages.find((s) => s.name === "build");
const final = stages.at(-1)!;
const copyFromBuild = final.body.filter((i) => i.op === "COPY" && /--from=build\b/.test(i.args));
const [copiedFrom, copiedTo] = copyFromBuild[0]?.args.replace(/--\S+\s+/g, "").split(/\s+/) ?? [];
const jsonArray = (op: string): string[] => {
  const ins = final.body.filter((i) => i.op === op).at(-1);
  return ins ? (JSON.parse(ins.args) as string[]) : [];
};

describe("Dockerfile", () => {
  test("has a build stage and a separate final stage", () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    expect(build).toBeDefined();
    expect(final).not.toBe(build!);
  });

  test("compiles with the Bun version the lockfile pins", () => {
    const arg = globalArgs.find((i) => i.op === "ARG" && i.args.startsWith("BUN_VERSION="));
    expect(arg?.args).toBe(`BUN_VERSION=${pkg.devDependencies.bun}`);
    const runs = build!.body.filter((i) => i.op === "RUN").map((i) => i.args);
    expect(runs.some((r) => r.includes("install --frozen-lockfile"))).toBe(true);
  });

  test("builds only supported targets, with the build script", () => {
    const named = [...dockerfile.matchAll(/\bbun-(?:linux|darwin|windows)[\w-]*/g)].map((m) => m[0]);
    expect(named.length).toBeGreaterThan(0);
    for (const t of named) expect(SUPPORTED_TARGETS as readonly string[]).toContain(t);
    const run = build!.body.find((i) => i.op === "RUN" && i.args.includes("build/build.ts"));
    expect(run).toBeDefined();
    expect(run!.args).toMatch(/build\/build\.ts "\$target" --outfile \S+/);
  });

  test("the final stage copies exactly the file the build script writes", () => {
    expect(copyFromBuild).toHaveLength(1);
    const run = build!.body.find((i) => i.op === "RUN" && i.args.includes("build/build.ts"))!;
    const outfile = /--outfile (\S+)/.exec(run.args)![1]!;
    const workdir = build!.body.filter((i) => i.op === "WORKDIR").at(-1)?.args ?? "/";
    const built = SUPPORTED_TARGETS.filter((t) => dockerfile.includes(`target=${t} `));
    expect(built.length).toBeGreaterThan(0);
    for (const t of built) {
      expect(isTarget(t)).toBe(true);
      expect(parseBuildArgs([t, "--outfile", outfile], "/src", workdir).outfile).toBe(copiedFrom!);
    }
  });

  test("the final image holds only the binary: no RUN, one COPY from the build stage", () => {
    expect(final.body.filter((i) => i.op === "RUN")).toHaveLength(0);
    expect(final.body.filter((i) => i.op === "COPY" || i.op === "ADD")).toHaveLength(1);
  });

  test("runs as a non-root user", () => {
    const user = final.body.filter((i) => i.op === "USER").at(-1)?.args;
    expect(user).toBeDefined();
    const [uid] = user!.split(":");
    expect(uid).not.toBe("root");
    expect(uid).toMatch(/^[1-9]\d*$/); // numeric, so Kubernetes' runAsNonRoot can check it
  });

  test("exposes 8080 and stops with SIGTERM", () => {
    expect(final.body.filter((i) => i.op === "EXPOSE").map((i) => i.args)).toContain("8080");
    expect(final.body.find((i) => i.op === "STOPSIGNAL")?.args).toBe("SIGTERM");
  });

  test("the default command is `ajc server run`", () => {
    expect(jsonArray("ENTRYPOINT")).toEqual([copiedTo!]);
    expect(copiedTo!.endsWith("/ajc")).toBe(true);
    expect(jsonArray("CMD")).toEqual(["server", "run"]);
  });

  test("does not bake in --unsafe-bind: the user chooses a proxy or mTLS", () => {
    const finalText = final.body.map((i) => `${i.op} ${i.args}`).join("\n");
    expect(finalText).not.toMatch(/unsafe[-_]bind/i);
    expect(finalText).not.toMatch(/AJC_TLS_/);
    expect(final.body.filter((i) => i.op === "ENV").map((i) => i.args)).toEqual(["AJC_BIND=0.0.0.0:8080"]);
  });
});

describe(".dockerignore", () => {
  test("the matcher follows Docker's rules", () => {
    const p = ["*", "!src", "!build/*.ts"];
    expect(dockerIgnored(p, "src/cli/main.ts")).toBe(false);
    expect(dockerIgnored(p, "build/build.ts")).toBe(false);
    expect(dockerIgnored(p, "build/ajc")).toBe(true);
    expect(dockerIgnored(p, "node_modules/yargs/index.js")).toBe(true);
    expect(dockerIgnored(["test", "!test/keep"], "test/keep/a")).toBe(false);
  });

  test("lets in every file the executable is built from, and nothing local", async () => {
    const r = await Bun.build({ entrypoints: [join(root, "src", "main.ts")], target: "bun", metafile: true });
    expect(r.success).toBe(true);
    const inputs = Object.keys(r.metafile!.inputs).filter((f) => !f.includes("node_modules"));
    expect(inputs).toContain("package.json");
    const needed = [
      ...inputs,
      "bun.lock",
      "bunfig.toml",
      "tsconfig.json",
      "build/build.ts",
      "build/targets.ts",
      // Read by the console bundle's macro at build time, so not among the bundler's inputs.
      ...readdirSync(join(root, "console"), { recursive: true, encoding: "utf8" })
        .filter((f) => /\.(tsx?|css|html)$/.test(f))
        .map((f) => `console/${f}`),
    ];
    for (const f of needed) {
      expect(existsSync(join(root, f))).toBe(true);
      expect({ file: f, ignored: dockerIgnored(ignore, f) }).toEqual({ file: f, ignored: false });
    }
    for (const f of [
      ".git/HEAD",
      "node_modules/yargs/package.json",
      "build/ajc",
      "build/ajc-linux-x64",
      ".env",
    ]) {
      expect({ file: f, ignored: dockerIgnored(ignore, f) }).toEqual({ file: f, ignored: true });
    }
  });

  test("the build stage copies only files that reach the builder", () => {
    for (const ins of build!.body.filter((i) => i.op === "COPY")) {
      const parts = ins.args.split(/\s+/).filter((p) => !p.startsWith("--"));
      for (const src of parts.slice(0, -1)) {
        if (src === ".") continue;
        expect({ file: src, ignored: dockerIgnored(ignore, src) }).toEqual({ file: src, ignored: false });
        expect(existsSync(join(root, src))).toBe(true);
      }
    }
  });
});
