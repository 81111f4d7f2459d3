/** The build's nats-server embedding: asked for by flag only, and a Go platform for every release target. */
import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseBuildArgs } from "../../build/build.ts";
import { goPlatform } from "../../build/nats-server.ts";
import { SUPPORTED_TARGETS } from "../../build/targets.ts";

const root = join(import.meta.dir, "..", "..");

describe("--embed-nats", () => {
  test("is off unless asked for, so a plain build needs no Go", () => {
    expect(parseBuildArgs([], root).embedNats).toBeUndefined();
    expect(parseBuildArgs(["--embed-nats", "bun-linux-arm64"], root)).toMatchObject({
      embedNats: true,
      target: "bun-linux-arm64",
    });
  });

  test("every release target has a Go platform to build nats-server for", () => {
    const platforms = SUPPORTED_TARGETS.map((t) => {
      const p = goPlatform(t);
      return `${p.goos}/${p.goarch}`;
    });
    expect(platforms).toEqual([
      "linux/amd64",
      "linux/amd64",
      "linux/arm64",
      "darwin/amd64",
      "darwin/arm64",
      "windows/amd64",
    ]);
  });
});

describe("release.yml", () => {
  interface Step {
    uses?: string;
    run?: string;
    env?: Record<string, string>;
    with?: Record<string, string>;
  }
  const release = Bun.YAML.parse(readFileSync(join(root, ".github", "workflows", "release.yml"), "utf8")) as {
    jobs: Record<string, { steps: Step[] }>;
  };
  const steps = release.jobs.build!.steps;

  test("builds every release binary with nats-server embedded, Go set up from the pin", () => {
    const build = steps.findIndex((s) => s.run?.includes("build/build.ts"));
    const go = steps.findIndex((s) => s.uses?.startsWith("actions/setup-go@"));
    expect(steps[build]?.env?.AJC_EMBED_NATS).toBe("1");
    expect(go).toBeGreaterThan(-1);
    expect(go).toBeLessThan(build);
    expect(steps[go]?.with?.["go-version-file"]).toBe("build/nats-server/go.mod");
    expect(existsSync(join(root, "build", "nats-server", "go.sum"))).toBe(true);
  });

  test("checks that each released binary carries it", () => {
    const text = release.jobs.verify!.steps.map((s) => s.run ?? "").join("\n");
    expect(text).toContain("^embedded nats-server: v");
  });
});
