/**
 * main.ts turns off yargs' help rendering after each command starts (skipHelpCache: it slows
 * start-up). It reaches into yargs' internals: these tests fail if a yargs upgrade moves them.
 */
import { expect, test } from "bun:test";
import yargs from "yargs";
import { CliContext } from "../../src/cli/context.ts";
import type { Io } from "../../src/cli/io.ts";
import { buildParser, skipHelpCache } from "../../src/cli/main.ts";

interface Usage {
  cacheHelpMessage(): void;
  hasCachedHelpMessage(): boolean;
}
const usageOf = (y: unknown) =>
  (y as { getInternalMethods(): { getUsageInstance(): Usage } }).getInternalMethods().getUsageInstance();

function quietIo(): Io & { outText: string } {
  const io = {
    outText: "",
    out(t: string) {
      io.outText += t;
    },
    err() {},
    env: {},
    interactive: false,
    ask: async () => "",
  };
  return io;
}

test("yargs still caches help after starting a command, through the hook skipHelpCache replaces", async () => {
  let ran = false;
  const plain = yargs(["go"])
    .command("go", "run", {}, () => {
      ran = true;
    })
    .exitProcess(false);
  await plain.parseAsync();
  expect(ran).toBe(true);
  expect(usageOf(plain).hasCachedHelpMessage()).toBe(true);

  const skipped = yargs(["go"])
    .command("go", "run", {}, () => {})
    .exitProcess(false);
  skipHelpCache(skipped);
  await skipped.parseAsync();
  expect(usageOf(skipped).hasCachedHelpMessage()).toBe(false);
});

test("ajc's parser renders no help when a command runs, and still prints help when asked", async () => {
  const io = quietIo();
  const parser = buildParser(["completion"], new CliContext(io));
  await parser.parseAsync(["completion"]);
  expect(usageOf(parser).hasCachedHelpMessage()).toBe(false);
  expect(io.outText).toContain("_ajc_completions");
  expect(await parser.getHelp()).toContain("ajc completion");
});

test("skipHelpCache leaves an object without yargs' internals alone", () => {
  expect(() => skipHelpCache({})).not.toThrow();
  expect(() => skipHelpCache({ getInternalMethods: () => ({}) })).not.toThrow();
});
