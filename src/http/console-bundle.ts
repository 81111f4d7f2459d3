/**
 * Bundles the browser console (the repository's `console/` folder) with Bun's bundler. It is a Bun
 * macro (imported `with { type: "macro" }` by routes/console.ts): it runs when that module is
 * transpiled, so `bun build --compile` bakes the bundle into the executable as string literals
 * and nothing is read from disk at run time, while `bun src/main.ts` bundles afresh at every
 * start (a short delay) and always serves the current source.
 *
 * Bun.build cannot run inside a macro while the bundler waits for it (it would deadlock), so this
 * runs `bun build` as a child process into a temporary directory and reads the files back.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** The console's files as served: names carry a content hash, so they can be cached for good. */
export interface ConsoleBundle {
  /** The page, naming the script and style sheet. */
  html: string;
  js: string;
  css: string;
  /** e.g. `app.3f2a9c1b0d4e.js` */
  jsName: string;
  cssName: string;
}

const ROOT = join(import.meta.dir, "..", "..", "console");

const hash = (text: string) => createHash("sha256").update(text).digest("hex").slice(0, 12);

/** Builds console/main.tsx (and the CSS it imports) minified for browsers. */
export function bundleConsole(): ConsoleBundle {
  const out = mkdtempSync(join(tmpdir(), "ajc-console-"));
  try {
    const r = spawnSync(
      process.execPath,
      [
        "build",
        join(ROOT, "main.tsx"),
        "--outdir",
        out,
        "--target=browser",
        "--format=esm",
        "--minify",
        "--sourcemap=none",
        "--entry-naming=app.[ext]",
        "--jsx-import-source=preact",
        "--jsx-runtime=automatic",
      ],
      { encoding: "utf8", env: { ...process.env, NODE_ENV: "production" } },
    );
    if (r.status !== 0) throw new Error(`bundling the console failed:\n${r.stdout}\n${r.stderr}`);
    const js = readFileSync(join(out, "app.js"), "utf8");
    const css = readFileSync(join(out, "app.css"), "utf8");
    const jsName = `app.${hash(js)}.js`;
    const cssName = `app.${hash(css)}.css`;
    const template = readFileSync(join(ROOT, "index.html"), "utf8");
    const html = template.replace("{{CSS}}", cssName).replace("{{JS}}", jsName);
    return { html, js, css, jsName, cssName };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}
