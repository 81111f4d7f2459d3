/**
 * The console stays light (issue 12): the page, script and style sheet together are at most
 * 150 KB gzipped, as the server sends them. Bundles the console as the build does.
 */
import { expect, test } from "bun:test";
import { gzipSync } from "node:zlib";
import { bundleConsole } from "../../src/http/console-bundle.ts";

/** The budget, compressed. */
const BUDGET_BYTES = 150 * 1024;

test("the whole console is at most 150 KB gzipped, and needs nothing from elsewhere", () => {
  const b = bundleConsole();
  const sizes = [b.html, b.js, b.css].map((t) => gzipSync(Buffer.from(t), { level: 9 }).length);
  const total = sizes.reduce((a, n) => a + n, 0);
  console.log(`console: ${total} bytes gzipped (html ${sizes[0]}, js ${sizes[1]}, css ${sizes[2]})`);
  expect(total).toBeLessThanOrEqual(BUDGET_BYTES);
  // Every file it loads is its own: no URL with a host anywhere in page, script or style.
  for (const text of [b.html, b.css]) expect(text).not.toMatch(/(?:src|href)=["']?(?:https?:)?\/\//);
  expect(b.css).not.toMatch(/url\(\s*["']?(?:https?:)?\/\//);
  expect(b.js).not.toMatch(/\bimport\s*\(\s*["']https?:/);
  expect(b.js).not.toMatch(/fetch\(\s*["']https?:/);
});
