/** The build's nats-server embedding: asked for by flag only, and a Go platform for every release target. */
import { describe, expect, test } from "bun:test";
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
