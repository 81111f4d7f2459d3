/**
 * Every relative link in README.md and docs/*.md resolves: the file exists, and a `#anchor` names a
 * heading of that file (as GitHub makes anchors from headings). The README lists every page.
 */
import { describe, expect, test } from "bun:test";
import { existsSync, statSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";
import { docPaths, readDoc, root } from "../helpers/docs.ts";

/** The text outside fenced code blocks and inline code, where a `[x](y)` is a link. */
function prose(text: string): string {
  return text.replace(/^```[\s\S]*?^```/gm, "").replace(/`[^`\n]*`/g, "");
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, each space a hyphen. */
export function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, "")
    .replace(/ /g, "-");
}

/** The anchors of a Markdown file's headings (a repeated one gets -1, -2, ... as on GitHub). */
export function anchors(text: string): Set<string> {
  const out = new Set<string>();
  const seen = new Map<string, number>();
  for (const [, title] of text.replace(/^```[\s\S]*?^```/gm, "").matchAll(/^#{1,6} (.+)$/gm)) {
    const base = slug(title!);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}

/** Every relative link target of a page (images included), as written. */
function links(text: string): string[] {
  return [...prose(text).matchAll(/!?\[[^\]]*\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)]
    .map((m) => m[1]!)
    .filter((href) => !/^[a-z][a-z0-9+.-]*:/i.test(href));
}

describe("documentation links", () => {
  test("slugs are GitHub's", () => {
    expect(slug("How a task can get stuck, and what ajc does about it")).toBe(
      "how-a-task-can-get-stuck-and-what-ajc-does-about-it",
    );
    expect(slug("`ajc server run` flags")).toBe("ajc-server-run-flags");
    expect(slug("TLS, mTLS and who may call")).toBe("tls-mtls-and-who-may-call");
    expect([...anchors("# A\n\n```sh\n# not a heading\n```\n## A\n")]).toEqual(["a", "a-1"]);
  });

  for (const page of docPaths()) {
    test(`every relative link in ${page} resolves`, () => {
      const problems: string[] = [];
      const found = links(readDoc(page));
      for (const href of found) {
        const [path = "", anchor] = href.split("#", 2);
        const file = path === "" ? page : relative(root, normalize(join(dirname(join(root, page)), path)));
        if (file.startsWith("..") || !existsSync(join(root, file))) {
          problems.push(`${href}: ${file} does not exist`);
          continue;
        }
        if (anchor === undefined) continue;
        if (!file.endsWith(".md") || statSync(join(root, file)).isDirectory()) {
          problems.push(`${href}: an anchor into a file that is not Markdown`);
          continue;
        }
        if (!anchors(readDoc(file)).has(anchor)) problems.push(`${href}: ${file} has no heading #${anchor}`);
      }
      expect(problems).toEqual([]);
    });
  }

  test("the README links every page under docs/", () => {
    const linked = new Set(links(readDoc("README.md")).map((href) => href.split("#")[0]));
    const pages = docPaths().filter((p) => p !== "README.md");
    expect(pages.length).toBeGreaterThan(10);
    expect(pages.filter((p) => !linked.has(p))).toEqual([]);
  });
});
