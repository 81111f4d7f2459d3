/**
 * The documentation tests read: README.md (what a newcomer needs) and the pages under docs/ that the
 * rest moved to. Tests name a page by its path from the repository root ("docs/deployment.md").
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

export const root = join(import.meta.dir, "..", "..");

/** The text of a page, by its path from the repository root. */
export function readDoc(path: string): string {
  return readFileSync(join(root, path), "utf8");
}

/** README.md and every docs/*.md page, as paths from the repository root. */
export function docPaths(): string[] {
  const pages = readdirSync(join(root, "docs"))
    .filter((f) => f.endsWith(".md"))
    .sort()
    .map((f) => `docs/${f}`);
  return ["README.md", ...pages];
}

/** The text of `## name` in `text` up to the next `## ` heading; `page` names it in the error. */
export function section(text: string, name: string, page: string): string {
  const start = text.indexOf(`\n## ${name}\n`);
  if (start < 0) throw new Error(`${page} has no "## ${name}"`);
  const end = text.indexOf("\n## ", start + 1);
  return text.slice(start, end < 0 ? undefined : end);
}
