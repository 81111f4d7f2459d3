/**
 * The build script's command line: targets are checked against build/targets.ts before anything is
 * compiled, and the output path is predictable (the workflows and the Dockerfile rely on it).
 * Compiling the host target is covered by `npm run build` in .ci/run and test/helpers/binary.ts.
 */
import { describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { BuildUsageError, hostTarget, parseBuildArgs, usesBytecode } from "../../build/build.ts";
import { artifactName, EXPERIMENTAL_TARGETS, isTarget, SUPPORTED_TARGETS } from "../../build/targets.ts";

const root = join(import.meta.dir, "..", "..");

describe("build targets", () => {
  test("the release list, each with its own artifact name", () => {
    expect([...SUPPORTED_TARGETS]).toEqual([
      "bun-linux-x64",
      "bun-linux-x64-musl",
      "bun-linux-arm64",
      "bun-darwin-x64",
      "bun-darwin-arm64",
      "bun-windows-x64",
    ]);
    expect(SUPPORTED_TARGETS.map(artifactName)).toEqual([
      "ajc-linux-x64",
      "ajc-linux-x64-musl",
      "ajc-linux-arm64",
      "ajc-darwin-x64",
      "ajc-darwin-arm64",
      "ajc-windows-x64.exe",
    ]);
    for (const t of EXPERIMENTAL_TARGETS) expect(isTarget(t)).toBe(true);
  });

  test("isTarget accepts only the list", () => {
    expect(isTarget("bun-linux-x64")).toBe(true);
    for (const t of [
      "linux-x64",
      "bun-linux-x64-baseline",
      "bun-linux-arm64-musl",
      "bun-windows-arm64",
      "",
    ]) {
      expect(isTarget(t)).toBe(false);
    }
  });
});

describe("bytecode", () => {
  test("a build for the host is bytecode; a cross-target build is not (bytecode is not portable)", () => {
    expect(hostTarget()).toBe(
      `bun-${process.platform === "win32" ? "windows" : process.platform}-${process.arch}`,
    );
    expect(usesBytecode(undefined)).toBe(true);
    for (const t of SUPPORTED_TARGETS) expect(usesBytecode(t)).toBe(t === hostTarget());
  });
});

describe("parseBuildArgs", () => {
  test("no target builds the host into build/ajc (what `npm run build` does)", () => {
    expect(parseBuildArgs([], root)).toEqual({
      target: undefined,
      outfile: join(root, "build", "ajc"),
      help: false,
    });
  });

  test("a target builds build/<artifact name>", () => {
    for (const t of SUPPORTED_TARGETS) {
      expect(parseBuildArgs([t], root).outfile).toBe(join(root, "build", artifactName(t)));
    }
  });

  test("--outfile, either form, relative to the working directory", () => {
    expect(parseBuildArgs(["--outfile", "/out/ajc", "bun-linux-arm64"], root)).toEqual({
      target: "bun-linux-arm64",
      outfile: "/out/ajc",
      help: false,
    });
    expect(parseBuildArgs(["--outfile=dist/ajc"], root, "/work").outfile).toBe("/work/dist/ajc");
  });

  test("Windows outputs end in .exe, as Bun writes them", () => {
    expect(parseBuildArgs(["bun-windows-x64", "--outfile", "/out/ajc"], root).outfile).toBe("/out/ajc.exe");
    expect(parseBuildArgs(["bun-windows-x64", "--outfile", "/out/a.exe"], root).outfile).toBe("/out/a.exe");
  });

  test.each([
    [["bun-linux-x86"], /unknown target "bun-linux-x86"; supported: bun-linux-x64, .*bun-windows-x64$/],
    [["bun-linux-x64", "bun-darwin-arm64"], /only one target/],
    [["--outfile"], /--outfile needs a path/],
    [["--outfile", "--help"], /--outfile needs a path/],
    [["--target=bun-linux-x64"], /unknown option --target=bun-linux-x64/],
  ])("%j is refused", (argv, message) => {
    expect(() => parseBuildArgs(argv, root)).toThrow(BuildUsageError);
    expect(() => parseBuildArgs(argv, root)).toThrow(message);
  });
});

describe("bun build/build.ts", () => {
  const script = join(root, "build", "build.ts");

  test("an unknown target fails at once with the supported list (exit 2)", () => {
    const r = spawnSync(process.execPath, [script, "bun-linux-riscv64"], {
      encoding: "utf8",
      timeout: 30_000,
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('build: unknown target "bun-linux-riscv64"');
    for (const t of SUPPORTED_TARGETS) expect(r.stderr).toContain(t);
    expect(r.stdout).not.toContain("built ");
  });

  test("--help prints the usage", () => {
    const r = spawnSync(process.execPath, [script, "--help"], { encoding: "utf8", timeout: 30_000 });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("usage: bun build/build.ts [TARGET] [--outfile PATH]");
  });
});
