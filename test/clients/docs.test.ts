/**
 * docs/clients.md gives users the commands `npm run test:clients` runs (test/clients/generators.ts),
 * and docs/http-api.md's "Generating a client" (and the README) link to it: what the page tells
 * users is what CI tests.
 * Also how that run judges the generator's warnings. Runs in plain `npm test` (no Java needed).
 */
import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { documentedCommand, GENERATORS, OPENAPI_GENERATOR_VERSION, warningProblems } from "./generators.ts";

const root = join(import.meta.dir, "..", "..");
const page = readFileSync(join(root, "docs", "clients.md"), "utf8");

test("docs/clients.md has the tested command for each language, and the pinned version", () => {
  for (const lang of Object.keys(GENERATORS)) expect(page).toContain(documentedCommand(lang));
  const versions = new Set([...page.matchAll(/openapi-generator-cli[:-](\d+\.\d+\.\d+)/g)].map((m) => m[1]));
  expect([...versions]).toEqual([OPENAPI_GENERATOR_VERSION]);
});

test("docs/http-api.md's Generating a client section links the page and gives its Python command", () => {
  const api = readFileSync(join(root, "docs", "http-api.md"), "utf8");
  const start = api.indexOf("\n## Generating a client\n");
  expect(start).toBeGreaterThan(0);
  const end = api.indexOf("\n## ", start + 1);
  const section = api.slice(start, end < 0 ? undefined : end);
  expect(section).toContain("(clients.md)");
  expect(section).toContain(documentedCommand("python"));
  expect(readFileSync(join(root, "README.md"), "utf8")).toContain("(docs/clients.md)");
});

test("a generator warning fails the clients run unless it is listed, and a listed one must still occur", () => {
  const listed = "[main] WARN  o.o.codegen.utils.ModelUtils - Failed to get the schema name: null";
  expect(warningProblems("python", `INFO fine\n${listed}\n`)).toEqual([]);
  expect(warningProblems("python", `${listed}\n[main] WARN  something new`)).toEqual([
    "not in ALLOWED_WARNINGS: [main] WARN  something new",
  ]);
  expect(warningProblems("python", "INFO fine")).toEqual([
    "no longer printed: Failed to get the schema name: null",
  ]);
  expect(warningProblems("java", "[main] ERROR o.o.codegen - broken")).toHaveLength(1);
});
