/**
 * The GitHub workflows parse, trigger as intended, and build exactly the targets of build/targets.ts
 * with the build script. GitHub itself runs them; here they are read as data.
 */
import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseBuildArgs } from "../../build/build.ts";
import { artifactName, EXPERIMENTAL_TARGETS, SUPPORTED_TARGETS, type Target } from "../../build/targets.ts";

const root = join(import.meta.dir, "..", "..");

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
  if?: string;
}

interface Job {
  "runs-on": string;
  needs?: string | string[];
  "continue-on-error"?: boolean | string;
  permissions?: Record<string, string>;
  strategy?: { matrix: { include: Record<string, string | boolean>[] } };
  steps: Step[];
}

interface Workflow {
  name: string;
  on: Record<string, unknown>;
  jobs: Record<string, Job>;
}

function load(name: string): Workflow {
  return Bun.YAML.parse(readFileSync(join(root, ".github", "workflows", name), "utf8")) as Workflow;
}

const ci = load("ci.yml");
const release = load("release.yml");
const needs = (j: Job) => (j.needs === undefined ? [] : Array.isArray(j.needs) ? j.needs : [j.needs]);
const runs = (j: Job) => j.steps.map((s) => s.run ?? "").join("\n");
/** A GitHub expression as written in a workflow: `${{ e }}`. */
const expr = (e: string) => `\${{ ${e} }}`;
const stepIndex = (j: Job, pred: (s: Step) => boolean) => j.steps.findIndex(pred);

function expectNodeAndNats(job: Job) {
  const node = job.steps.find((s) => s.uses?.startsWith("actions/setup-node@"));
  expect(String(node?.with?.["node-version"])).toBe("20");
  expect(runs(job)).toContain("apt-get install -y nats-server");
}

describe("every workflow", () => {
  test.each([
    ["ci.yml", ci],
    ["release.yml", release],
  ])("%s pins each action to a version and checks out the code", (_name, wf) => {
    for (const job of Object.values(wf.jobs)) {
      for (const s of job.steps) if (s.uses) expect(s.uses).toMatch(/^[\w.-]+\/[\w.-]+@v\d+$/);
      if (runs(job).includes("test/") || runs(job).includes(".ci/run")) {
        expect(job.steps[0]?.uses).toMatch(/^actions\/checkout@/);
      }
    }
  });

  test("scripts they call exist", () => {
    const text = [ci, release].flatMap((wf) => Object.values(wf.jobs).map(runs)).join("\n");
    const scripts = [...text.matchAll(/\b(?:bash|npx bun) ((?:\.ci|test|build)\/[\w./-]+)/g)].map(
      (m) => m[1]!,
    );
    expect(scripts).toEqual(expect.arrayContaining([".ci/run", "build/build.ts", "test/smoke.sh"]));
    for (const s of scripts)
      expect({ script: s, exists: existsSync(join(root, s)) }).toEqual({ script: s, exists: true });
  });
});

describe("ci.yml", () => {
  test("runs on pushes and pull requests", () => {
    expect(Object.keys(ci.on).sort()).toEqual(["pull_request", "push"]);
  });

  test("runs .ci/run on Node 20 with nats-server installed first", () => {
    const job = Object.values(ci.jobs).find((j) => j.steps.some((s) => s.run?.trim() === "bash .ci/run"));
    expect(job).toBeDefined();
    expect(job!["runs-on"]).toMatch(/^ubuntu-/);
    expectNodeAndNats(job!);
    const nats = stepIndex(job!, (s) => s.run?.includes("install -y nats-server") ?? false);
    const ciRun = stepIndex(job!, (s) => s.run?.trim() === "bash .ci/run");
    expect(nats).toBeLessThan(ciRun);
    const proxies = stepIndex(job!, (s) => s.run?.includes("apt-get install -y nginx caddy") ?? false);
    expect(proxies).toBeGreaterThan(-1); // so test/deploy/proxy.test.ts runs rather than skips
    expect(proxies).toBeLessThan(ciRun);
    // .ci/run sets AJC_REQUIRE_GO=1 for `npm run test:interop`: Go must be there first.
    const go = stepIndex(job!, (s) => s.uses?.startsWith("actions/setup-go@") ?? false);
    expect(go).toBeGreaterThan(-1);
    expect(go).toBeLessThan(ciRun);
  });

  test("builds the container image and runs it as documented", () => {
    const text = Object.values(ci.jobs).map(runs).join("\n");
    expect(text).toContain("docker build");
    expect(text).toContain("test/deploy/container-smoke.sh");
  });
});

describe("release.yml", () => {
  const { test: testJob, build, verify, release: publish } = release.jobs;
  const buildMatrix = build!.strategy!.matrix.include;
  const verifyMatrix = verify!.strategy!.matrix.include;

  test("runs on version tags only", () => {
    expect(release.on).toEqual({ push: { tags: ["v*"] } });
  });

  test("tests first: frozen install, nats-server, npm test, and the tag must match package.json", () => {
    expectNodeAndNats(testJob!);
    const text = runs(testJob!);
    expect(text).toContain("bun install --frozen-lockfile");
    expect(text).toMatch(/^npm test$/m);
    expect(text).toContain("package.json");
    expect(needs(build!)).toEqual(["test"]);
  });

  test("the build matrix is exactly SUPPORTED_TARGETS, in order, with their artifact names", () => {
    expect(buildMatrix.map((m) => m.target)).toEqual([...SUPPORTED_TARGETS]);
    for (const m of buildMatrix) expect(m.artifact).toBe(artifactName(m.target as Target));
  });

  test("only the experimental targets may fail", () => {
    expect(build!["continue-on-error"]).toBe(expr("matrix.experimental"));
    expect(verify!["continue-on-error"]).toBe(expr("matrix.experimental"));
    const experimental = buildMatrix.filter((m) => m.experimental === true).map((m) => m.target);
    expect(experimental).toEqual([...EXPERIMENTAL_TARGETS]);
    for (const m of buildMatrix) expect(typeof m.experimental).toBe("boolean");
    for (const m of verifyMatrix) {
      const b = buildMatrix.find((x) => x.artifact === m.artifact);
      expect(m.experimental).toBe(b?.experimental as boolean);
    }
  });

  test("calls the build script with the target and uploads the file it writes", () => {
    const step = build!.steps.find((s) => s.run?.includes("build/build.ts"));
    expect(step?.run?.trim()).toBe('npx bun build/build.ts "$TARGET"');
    expect(step?.env?.TARGET).toBe(expr("matrix.target"));
    const upload = build!.steps.find((s) => s.uses?.startsWith("actions/upload-artifact@"));
    expect(upload?.with?.path).toBe(`build/${expr("matrix.artifact")}`);
    for (const m of buildMatrix) {
      expect(parseBuildArgs([m.target as string], root).outfile).toBe(
        join(root, "build", m.artifact as string),
      );
    }
  });

  test("runs every artifact on its own platform and checks the stamped version and commit", () => {
    expect(needs(verify!)).toEqual(["build"]);
    expect(verifyMatrix.map((m) => m.artifact).sort()).toEqual(buildMatrix.map((m) => m.artifact).sort());
    const text = runs(verify!);
    expect(text).toContain("--version");
    expect(text).toContain("GITHUB_REF_NAME#v");
    expect(text).toContain("GITHUB_SHA::12");
    expect(text).toContain("apk add --no-cache libstdc++ libgcc");
    expect(text).toContain("test/smoke.sh");
  });

  test("re-signs the macOS binaries before running and releasing them", () => {
    const sign = stepIndex(verify!, (s) => s.run?.includes("codesign --force --sign -") ?? false);
    const run = stepIndex(verify!, (s) => s.run?.includes("--version") ?? false);
    const upload = stepIndex(verify!, (s) => s.uses?.startsWith("actions/upload-artifact@") ?? false);
    expect(verify!.steps[sign]?.if).toBe("runner.os == 'macOS'");
    expect(sign).toBeGreaterThan(-1);
    expect(sign).toBeLessThan(run);
    expect(run).toBeLessThan(upload);
    const darwin = verifyMatrix.filter((m) => String(m.artifact).includes("darwin"));
    expect(darwin.length).toBe(2);
    for (const m of darwin) expect(String(m.runner)).toMatch(/^macos-/);
  });

  test("publishes the verified binaries and SHA256SUMS to the GitHub release", () => {
    expect(needs(publish!)).toEqual(["verify"]);
    expect(publish!.permissions).toEqual({ contents: "write" });
    const download = publish!.steps.find((s) => s.uses?.startsWith("actions/download-artifact@"));
    const upload = verify!.steps.find((s) => s.uses?.startsWith("actions/upload-artifact@"));
    expect(upload?.with?.name).toBe(`release-${expr("matrix.artifact")}`);
    expect(download?.with?.pattern).toBe("release-*");
    expect(runs(publish!)).toContain("sha256sum ajc-* > SHA256SUMS");
    const gh = publish!.steps.find((s) => s.uses?.startsWith("softprops/action-gh-release@"));
    expect(String(gh?.with?.files).split("\n").filter(Boolean)).toEqual(["dist/ajc-*", "dist/SHA256SUMS"]);
    expect(gh?.with?.fail_on_unmatched_files).toBe(true);
  });
});
