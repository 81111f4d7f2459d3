/**
 * `npm run test:clients`: the clients users generate from our document, and a contract fuzzer no
 * one here wrote, against the compiled `ajc server run` on a real nats-server.
 *
 * 1. openapi-generator (the CLI jar from Maven Central, fetched by Maven into a cache) generates a
 *    Python, a Go and a Java client from the server's `GET /v1/openapi.json`, exactly as
 *    docs/clients.md tells users. A warning it prints fails the run unless ALLOWED_WARNINGS (in
 *    test/clients/generators.ts) lists it with a reason. Then test/clients/{python,go,java} run against the server with them.
 * 2. Schemathesis (PyPI, pinned in test/clients/python/requirements.txt) fuzzes every operation of
 *    api/openapi.yaml, positive and negative, with the document's links for the stateful phase:
 *    a fixed number of examples and a seed; its settings are in test/clients/schemathesis.toml.
 *
 * Generated code goes to .tmp/clients (gitignored); the jar, the Maven repository and the
 * Python virtualenv are cached in $AJC_CLIENTS_CACHE (default ~/.cache/ajc-clients). Without java,
 * mvn, python3 or go the run is skipped with the reason, or fails with AJC_REQUIRE_TOOLS=1 (CI).
 * Ends with "N passed, N failed".
 */
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { ajcBinary, runAjc, spawnAjc } from "../helpers/binary.ts";
import { freePort, startNats } from "../helpers/nats.ts";
import { toolAvailable, toolsRequired } from "../helpers/tools.ts";
import { GENERATORS, OPENAPI_GENERATOR_VERSION, warningProblems } from "./generators.ts";

/** Schemathesis: examples per operation and the seed, so a run is bounded and repeatable. */
const FUZZ_EXAMPLES = Number(process.env.AJC_FUZZ_EXAMPLES ?? 100);
const FUZZ_SEED = Number(process.env.AJC_FUZZ_SEED ?? 14);

const ROOT = join(import.meta.dir, "..", "..");
const HERE = import.meta.dir;
const OUT = join(ROOT, ".tmp", "clients");
const CACHE = process.env.AJC_CLIENTS_CACHE ?? join(homedir(), ".cache", "ajc-clients");
const M2 = join(CACHE, "m2");
const JAR = join(CACHE, "jar", `openapi-generator-cli-${OPENAPI_GENERATOR_VERSION}.jar`);

interface Result {
  name: string;
  ok: boolean;
  output: string;
  ms: number;
}

/** Runs a command to completion, with its output; never throws. */
function run(
  cmd: string,
  args: string[],
  opts: { cwd?: string; env?: Record<string, string>; timeoutMs?: number } = {},
): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const p = spawn(cmd, args, {
      cwd: opts.cwd ?? ROOT,
      env: { ...process.env, ...opts.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    p.stdout.on("data", (d) => {
      output += d;
    });
    p.stderr.on("data", (d) => {
      output += d;
    });
    const timer = setTimeout(() => p.kill("SIGKILL"), opts.timeoutMs ?? 300_000);
    p.on("error", (err) => {
      clearTimeout(timer);
      resolve({ code: -1, output: `${output}\n${err.message}` });
    });
    p.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, output });
    });
  });
}

/** Runs `steps` in order as one named check; the first failing step ends it. */
async function check(
  name: string,
  steps: (() => Promise<{ code: number; output: string } | string | undefined>)[],
): Promise<Result> {
  const started = Date.now();
  let output = "";
  for (const step of steps) {
    const r = await step();
    if (r === undefined) continue;
    if (typeof r === "string") return { name, ok: false, output: `${output}${r}`, ms: Date.now() - started };
    output += r.output;
    if (r.code !== 0) return { name, ok: false, output, ms: Date.now() - started };
  }
  return { name, ok: true, output, ms: Date.now() - started };
}

/** Fetches the generator jar into the cache with Maven (once). */
async function ensureJar(): Promise<{ code: number; output: string }> {
  if (existsSync(JAR)) return { code: 0, output: "" };
  return run("mvn", [
    "-q",
    "-B",
    `-Dmaven.repo.local=${M2}`,
    "dependency:copy",
    `-Dartifact=org.openapitools:openapi-generator-cli:${OPENAPI_GENERATOR_VERSION}`,
    `-DoutputDirectory=${join(CACHE, "jar")}`,
  ]);
}

/** Generates one client; fails on a warning or error that ALLOWED_WARNINGS does not list. */
async function generate(lang: string, spec: string): Promise<{ code: number; output: string } | string> {
  const dir = join(OUT, lang);
  rmSync(dir, { recursive: true, force: true });
  const r = await run("java", ["-jar", JAR, "generate", "-i", spec, "-o", dir, ...GENERATORS[lang]!]);
  if (r.code !== 0) return r.output;
  const problems = warningProblems(lang, r.output);
  if (problems.length > 0) return `${r.output}\n${problems.join("\n")}\n`;
  return { code: 0, output: `generated ${lang} client in ${dir}\n` };
}

/** The Python virtualenv with the pinned requirements, made once per requirements file. */
async function ensureVenv(): Promise<{ code: number; output: string; python: string }> {
  const reqs = join(HERE, "python", "requirements.txt");
  const hash = createHash("sha256").update(readFileSync(reqs)).digest("hex").slice(0, 12);
  const venv = join(CACHE, `venv-${hash}`);
  const python = join(venv, "bin", "python");
  if (existsSync(join(venv, ".complete"))) return { code: 0, output: "", python };
  rmSync(venv, { recursive: true, force: true });
  const made = await run("python3", ["-m", "venv", venv]);
  if (made.code !== 0) return { ...made, python };
  const pip = await run(python, ["-m", "pip", "install", "-q", "--disable-pip-version-check", "-r", reqs], {
    env: { PIP_CACHE_DIR: join(CACHE, "pip") },
  });
  if (pip.code === 0) writeFileSync(join(venv, ".complete"), "");
  return { ...pip, python };
}

async function main(): Promise<number> {
  const needed = ["java", "mvn", "python3", "go", "nats-server"];
  const missing = needed.filter((t) => !toolAvailable(t));
  if (missing.length > 0) {
    const why = `${missing.join(", ")} not installed`;
    if (toolsRequired()) {
      console.error(`AJC_REQUIRE_TOOLS=1 and ${why}: install it (see .ci/run)`);
      return 1;
    }
    console.warn(`skipped: ${why} (AJC_REQUIRE_TOOLS=1 makes this an error)`);
    return 0;
  }
  const started = Date.now();
  mkdirSync(OUT, { recursive: true });
  mkdirSync(CACHE, { recursive: true });

  // Tools first (cached after the first run), in parallel with building ajc.
  // Timed from here: their results are checked later, once the server is up.
  const timed = <T>(p: Promise<T>) => p.then((r) => ({ ...r, ms: Date.now() - started }));
  const venvP = timed(ensureVenv());
  const jarP = timed(ensureJar());
  ajcBinary();
  const nats = await startNats();
  const env = { NATS_URL: nats.url };
  const results: Result[] = [];
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const add = await runAjc(["queue", "add", "CLIENTS"], { env });
  if (add.code !== 0) throw new Error(`ajc queue add failed:\n${add.stderr}`);
  const server = spawnAjc(
    // Generated requests carry `Prefer: wait=N`; a short cap keeps each of them under a second.
    ["server", "run", "--queue", "CLIENTS", "--bind", `127.0.0.1:${port}`, "--max-wait", "1s"],
    { env },
  );
  try {
    await server.waitFor("listening on");
    const spec = join(OUT, "asyncjobs.json");
    writeFileSync(spec, await (await fetch(`${url}/v1/openapi.json`)).text());

    const jar = await jarP;
    results.push({
      ...(await check(`openapi-generator ${OPENAPI_GENERATOR_VERSION} from Maven Central`, [
        async () => jar,
      ])),
      ms: jar.ms,
    });
    const venv = await venvP;
    results.push({
      ...(await check("Python virtualenv with the pinned requirements", [async () => venv])),
      ms: venv.ms,
    });
    for (const lang of Object.keys(GENERATORS)) {
      results.push(await check(`generate the ${lang} client`, [() => generate(lang, spec)]));
    }
    const clientEnv = { AJC_URL: url };
    const javaDir = join(OUT, "java");
    // The three programs run at once, each on its own queue: the Java build is the slow part.
    results.push(
      ...(await Promise.all([
        check("the Python client program", [
          () =>
            run(venv.python, [join(HERE, "python", "main.py")], {
              env: { ...clientEnv, PYTHONPATH: join(OUT, "python") },
            }),
        ]),
        check("the Go client program", [
          () => run("go", ["vet", "."], { cwd: join(HERE, "go") }),
          () => run("go", ["run", "."], { cwd: join(HERE, "go"), env: clientEnv }),
        ]),
        check("the Java client program", [
          async () => {
            mkdirSync(join(javaDir, "src", "main", "java", "clientcheck"), { recursive: true });
            cpSync(
              join(HERE, "java", "Main.java"),
              join(javaDir, "src", "main", "java", "clientcheck", "Main.java"),
            );
            return undefined;
          },
          () =>
            run(
              "mvn",
              [
                "-q",
                "-B",
                `-Dmaven.repo.local=${M2}`,
                "-Dmaven.test.skip=true",
                "compile",
                "dependency:build-classpath",
                "-Dmdep.includeScope=runtime",
                "-Dmdep.outputFile=classpath.txt",
              ],
              { cwd: javaDir },
            ),
          () => {
            const cp = `target/classes:${readFileSync(join(javaDir, "classpath.txt"), "utf8").trim()}`;
            return run("java", ["-cp", cp, "clientcheck.Main"], { cwd: javaDir, env: clientEnv });
          },
        ]),
      ])),
    );
    results.push(
      await check(`Schemathesis: ${FUZZ_EXAMPLES} examples per operation, seed ${FUZZ_SEED}`, [
        () =>
          run(
            join(venv.python, "..", "st"),
            [
              "--no-color",
              "--config-file",
              join(HERE, "schemathesis.toml"),
              "run",
              join(ROOT, "api", "openapi.yaml"),
              "--url",
              url,
              "--max-examples",
              String(FUZZ_EXAMPLES),
              "--seed",
              String(FUZZ_SEED),
              "--workers",
              "1",
              // An event stream never ends, so no answer to check ever arrives; the SSE tests
              // (test/http/events*.test.ts) check it against the document instead.
              "--exclude-operation-id",
              "watchEvents",
            ],
            { cwd: OUT },
          ), // it keeps its example database in the working directory
      ]),
    );
  } finally {
    const code = await server.stop();
    await nats.close();
    results.push({ name: "ajc server run stopped cleanly", ok: code === 0, output: server.output(), ms: 0 });
  }
  for (const r of results) {
    console.log(`${r.ok ? "pass" : "FAIL"} ${r.name} (${(r.ms / 1000).toFixed(1)} s)`);
    if (!r.ok || process.env.AJC_CLIENTS_VERBOSE === "1") console.log(r.output.replace(/^/gm, "    "));
  }
  const failed = results.filter((r) => !r.ok).length;
  console.log(`took ${((Date.now() - started) / 1000).toFixed(0)} s`);
  console.log(`${results.length - failed} passed, ${failed} failed`);
  return failed === 0 ? 0 : 1;
}

process.exit(await main());
