/**
 * docs/deployment.md and docs/operations.md agree with the code: the proxy recipes leave the 413 to
 * `ajc`, the variables they name exist, the files they name are in the repository.
 */
import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { SUPPORTED_TARGETS } from "../../build/targets.ts";
import { DEFAULT_MAX_BODY_BYTES } from "../../src/http/body.ts";
import { DEFAULT_WRITE_TIMEOUT_MS } from "../../src/http/server.ts";
import { IDEMPOTENCY_BUCKET } from "../../src/store/subjects.ts";
import { readDoc, root } from "../helpers/docs.ts";
import { envNames, helpOf } from "./help.ts";

/** The body of the first fenced block of `lang` in `text`. */
function fenced(text: string, lang: string): string {
  const m = new RegExp(`\`\`\`${lang}\\n([\\s\\S]*?)\`\`\``).exec(text);
  if (!m) throw new Error(`no \`\`\`${lang} block`);
  return m[1]!;
}

/** nginx / Caddy sizes: `1m` and `512k` (nginx, binary), `1MB` (Caddy, decimal), `1MiB`, plain bytes. */
function sizeBytes(v: string): number {
  const m = /^(\d+)\s*([kmg]?)(i?b?)$/i.exec(v.trim());
  if (!m) throw new Error(`unreadable size ${v}`);
  const exp = ["", "k", "m", "g"].indexOf(m[2]!.toLowerCase());
  const base = m[3]!.toLowerCase() === "b" ? 1000 : 1024;
  return Number(m[1]) * base ** exp;
}

const deployment = readDoc("docs/deployment.md");
const operations = readDoc("docs/operations.md");
const nginx = fenced(deployment, "nginx");
const caddy = fenced(deployment, "caddy");

describe("reverse-proxy recipes", () => {
  test("sizes parse as nginx and Caddy read them", () => {
    expect(sizeBytes("1m")).toBe(1024 * 1024);
    expect(sizeBytes("512k")).toBe(512 * 1024);
    expect(sizeBytes("1MB")).toBe(1_000_000);
    expect(sizeBytes("1MiB")).toBe(1024 * 1024);
    expect(sizeBytes("524288")).toBe(524_288);
  });

  test("nginx lets ajc answer 413 and 429 with its own envelope, and streams ndjson", () => {
    const limit = /client_max_body_size\s+(\S+);/.exec(nginx)?.[1];
    expect(sizeBytes(limit!)).toBeGreaterThanOrEqual(DEFAULT_MAX_BODY_BYTES);
    expect(nginx).toMatch(/proxy_intercept_errors\s+off;/);
    expect(nginx).toMatch(/proxy_buffering\s+off;/);
    const read = /proxy_read_timeout\s+(\d+)s;/.exec(nginx)?.[1];
    expect(Number(read)).toBeGreaterThan(60); // an ndjson listing lasts up to about 60s
    expect(nginx).toMatch(/^\s*auth_/m); // authentication happens at the proxy
    expect(nginx).toMatch(/proxy_pass http:\/\/ajc;/);
    // The browser guard judges Host and Origin by what the proxy passes: the site's name and scheme.
    expect(nginx).toMatch(/proxy_set_header\s+Host\s+\$http_host;/);
    expect(nginx).toMatch(/proxy_set_header\s+X-Forwarded-Proto\s+\$scheme;/);
    expect(deployment).toContain("--allowed-host jobs.example.com");
  });

  test("Caddy lets ajc answer 413 with its own envelope, and streams ndjson", () => {
    const limit = /max_size\s+(\S+)/.exec(caddy)?.[1];
    expect(sizeBytes(limit!)).toBeGreaterThanOrEqual(DEFAULT_MAX_BODY_BYTES);
    expect(caddy).toMatch(/flush_interval\s+-1/);
    expect(caddy).toMatch(/^\s*basic_auth\b/m);
    expect(caddy).not.toMatch(/handle_response|handle_errors/);
    expect(caddy).toMatch(/reverse_proxy 127\.0\.0\.1:8080/);
  });
});

describe("docs/deployment.md and docs/operations.md", () => {
  const docs = `${deployment}\n${operations}`;

  test("name only AJC_ variables that exist", async () => {
    const server = await helpOf(["server", "run"]);
    const worker = await helpOf(["task", "process"]);
    expect(server).toBeDefined();
    expect(worker).toBeDefined();
    const known = new Set([
      ...envNames(server!),
      ...envNames(worker!),
      "AJC_TYPE",
      "AJC_QUEUE",
      "AJC_CONCURRENCY",
      "AJC_COMMAND", // ajc task process
      "AJC_SERVER_FLAGS",
      "AJC_WORKER_FLAGS",
      "AJC_SCHEDULER_FLAGS", // appended by the systemd units
      "AJC_COMMIT", // build/build.ts
      IDEMPOTENCY_BUCKET,
    ]);
    const units = ["ajc-server.service", "ajc-worker@.service", "ajc-scheduler.service"]
      .map((u) => readFileSync(join(root, "deploy", u), "utf8"))
      .join("\n");
    for (const v of ["AJC_SERVER_FLAGS", "AJC_WORKER_FLAGS", "AJC_SCHEDULER_FLAGS"])
      expect(units).toContain(`$${v}`);
    for (const [name] of docs.matchAll(/\bAJC_[A-Z0-9_]+/g))
      expect({ name, known: known.has(name) }).toEqual({ name, known: true });
  });

  test("name files that are in the repository", () => {
    const paths = [
      ...docs.matchAll(/`((?:deploy|build|test|api|\.github)\/[\w.@/-]+|Dockerfile|CHANGELOG\.md)`/g),
    ].map((m) => m[1]!);
    expect(paths.length).toBeGreaterThan(5);
    for (const p of paths) {
      if (p === "build/ajc" || /build\/ajc-/.test(p)) continue; // build output
      expect({ path: p, exists: existsSync(join(root, p)) }).toEqual({ path: p, exists: true });
    }
  });

  test("list every release target", () => {
    for (const t of SUPPORTED_TARGETS) {
      expect(deployment).toContain(`\`${t}\``);
      expect(deployment).toContain(`\`ajc-${t.replace(/^bun-/, "")}`);
    }
  });

  test("give docker stop more time than the server's drain", () => {
    const stop = Number(/--stop-timeout (\d+)/.exec(deployment)?.[1]);
    expect(stop).toBeGreaterThan(DEFAULT_WRITE_TIMEOUT_MS / 1000);
    expect(deployment).toContain(`stop_grace_period: ${stop}s`);
    expect(deployment).toContain(`terminationGracePeriodSeconds: ${stop}`);
  });

  test("quote the stop timeouts the units really have", () => {
    for (const [, value] of deployment.matchAll(/TimeoutStopSec=(\S+?)`/g)) {
      const units = ["ajc-server.service", "ajc-worker@.service", "ajc-scheduler.service"].map((u) =>
        readFileSync(join(root, "deploy", u), "utf8"),
      );
      expect(units.some((u) => u.includes(`TimeoutStopSec=${value}\n`))).toBe(true);
    }
  });
});
