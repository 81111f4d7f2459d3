/**
 * Generates test/http/generated/api.d.ts, the TypeScript types of api/openapi.yaml, with
 * openapi-typescript, formatted the way biome formats the rest of the tree.
 *
 *   bun test/http/generated/generate.ts     rewrites api.d.ts after a change to the document
 *
 * test/http/generated-client.test.ts regenerates the types and fails when they differ from the
 * committed file, so the document and the types the client tests compile against cannot drift.
 */
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import openapiTS, { astToString } from "openapi-typescript";
import doc from "../../../api/openapi.yaml";

const ROOT = join(import.meta.dir, "..", "..", "..");

/** Where the generated types are committed. */
export const GENERATED_FILE = join(import.meta.dir, "api.d.ts");

const HEADER = `/**
 * Generated from api/openapi.yaml by openapi-typescript. Do not edit: run
 * \`bun test/http/generated/generate.ts\` after changing the document.
 */

`;

/** The generated types as they should be committed. */
export async function generateApiTypes(): Promise<string> {
  const ast = await openapiTS(structuredClone(doc), {});
  const raw = HEADER + astToString(ast);
  const biome = join(ROOT, "node_modules", ".bin", "biome");
  const r = spawnSync(biome, ["check", "--write", `--stdin-file-path=${relative(ROOT, GENERATED_FILE)}`], {
    cwd: ROOT,
    input: raw,
    encoding: "utf8",
  });
  if (r.status !== 0) throw new Error(`biome could not format the generated types:\n${r.stderr}`);
  return r.stdout;
}

if (import.meta.main) {
  writeFileSync(GENERATED_FILE, await generateApiTypes());
  console.log(`wrote ${relative(ROOT, GENERATED_FILE)}`);
}
