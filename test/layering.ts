/**
 * Keeps the dependency direction: core ← store ← client ← {worker, scheduler, http} ← cli.
 * `core` imports no NATS and no networking; only `store` imports @nats-io; nothing imports `cli`;
 * `http` never imports `store` or @nats-io; `metrics` (Prometheus) is a leaf: it imports
 * nothing of ajc, and worker, scheduler and cli may import it. The browser console (console/)
 * talks to the server only over HTTP: it imports nothing outside its folder but its npm packages.
 * Nothing imports a private module of the NATS client (`@nats-io/<pkg>/internal`, `.../lib/...`):
 * only each package's public entry point, so a client upgrade cannot break us silently.
 * The worker uses the client facade, never what lies behind it (`client.storage`, `storage.jet`),
 * as `src/client.ts` promises; `ajc task process` runs no HTTP server and imports nothing of it.
 * `src/client/` holds the parts of the facade: only `src/client.ts` and its parts import them.
 * Exits 1 and lists the offending imports.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";

const SRC = join(import.meta.dir, "..", "src");
const CONSOLE = join(import.meta.dir, "..", "console");

/** The packages the console may import (everything else it imports must be its own files). */
const CONSOLE_PACKAGES = /^(?:preact(?:\/.*)?|croner)$/;

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : /\.tsx?$/.test(p) ? [p] : [];
  });
}

const IMPORTS = /(?:from|import)\s*\(?\s*["']([^"']+)["']/g;

const layerOf = (rel: string) => (rel.includes("/") ? rel.split("/")[0]! : rel.replace(/\.ts$/, ""));

/** Which layers (and packages) each layer must not import. */
const FORBIDDEN: Record<string, RegExp[]> = {
  core: [
    /^@nats-io\//,
    /^node:net$/,
    /^node:http/,
    /\/(store|http|cli|worker|scheduler|metrics|client)\//,
    /\/client\.ts$/,
  ],
  metrics: [/^@nats-io\//, /\/(core|store|http|cli|worker|scheduler|client)\//, /\/client\.ts$/],
  store: [/\/(http|cli|worker|scheduler|client)\//, /\/client\.ts$/, /^@nats-io\/[^/]+\/.+/],
  client: [/^@nats-io\//, /\/(http|cli|worker|scheduler)\//],
  // src/client/ holds the facade's parts: the other layers import the facade, src/client.ts.
  worker: [/^@nats-io\//, /\/(http|cli|scheduler|client)\//],
  scheduler: [/^@nats-io\//, /\/(http|cli|worker|client)\//],
  http: [/^@nats-io\//, /\/(store|cli|worker|scheduler|client)\//],
  cli: [/\/client\//],
};

/** Files that must not import what their layer may. */
const FORBIDDEN_FOR_FILE: Record<string, RegExp[]> = {
  "cli/commands/task/process.ts": [/\/http\//],
};

/** Code a layer must not contain: reaching through the client facade into the store. */
const FORBIDDEN_TEXT: Record<string, RegExp[]> = {
  worker: [/\bclient\.storage\b/, /\bstorage\.(?:jet|nc)\b/],
};

const problems: string[] = [];
for (const f of files(SRC)) {
  const rel = relative(SRC, f);
  const rules = [...(FORBIDDEN[layerOf(rel)] ?? []), ...(FORBIDDEN_FOR_FILE[rel] ?? [])];
  const text = readFileSync(f, "utf8");
  for (const m of text.matchAll(IMPORTS)) {
    const spec = m[1]!;
    const resolved = spec.startsWith(".") ? `/${relative(SRC, join(f, "..", spec))}` : spec;
    if (rules.some((r) => r.test(resolved) || r.test(`/${resolved}`)))
      problems.push(`${rel}: imports ${spec}`);
  }
  for (const r of FORBIDDEN_TEXT[layerOf(rel)] ?? []) {
    const hit = text.match(r);
    if (hit) problems.push(`${rel}: uses ${hit[0]} (go through the client facade)`);
  }
}
for (const f of files(CONSOLE)) {
  const rel = relative(join(CONSOLE, ".."), f);
  for (const m of readFileSync(f, "utf8").matchAll(IMPORTS)) {
    const spec = m[1]!;
    const inside = spec.startsWith(".") && !relative(CONSOLE, join(f, "..", spec)).startsWith("..");
    if (!inside && !CONSOLE_PACKAGES.test(spec)) problems.push(`${rel}: imports ${spec}`);
  }
}
if (problems.length > 0) {
  console.error(`layering violations:\n  ${problems.join("\n  ")}`);
  process.exit(1);
}
console.log("layering ok");
