/**
 * `npm start`: one step from a checkout to a working queue. Builds build/ajc when it is missing or
 * older than the sources, runs `ajc dev` with the demo worker (examples/demo-worker.sh), and once
 * the API is up sends it one demo task, so the first screen shows a task completing. Arguments
 * after `npm start --` go to `ajc dev` (for example `--ephemeral`, `--port 0`). Ctrl-C stops it.
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";

const root = join(import.meta.dir, "..");
const binary = join(root, "build", "ajc");

/** The newest modification time of the files a build is made from. */
function newestSource(): number {
  let newest = 0;
  const visit = (p: string) => {
    const s = statSync(p);
    if (s.isDirectory()) for (const n of readdirSync(p)) visit(join(p, n));
    else newest = Math.max(newest, s.mtimeMs);
  };
  for (const p of ["src", "api", "package.json", "bun.lock", join("build", "build.ts")]) {
    if (existsSync(join(root, p))) visit(join(root, p));
  }
  return newest;
}

function buildIfNeeded(): void {
  if (existsSync(binary) && statSync(binary).mtimeMs >= newestSource()) return;
  console.error("npm start: building build/ajc (the sources are newer, or it is missing)");
  const r = spawnSync(process.execPath, [join(root, "build", "build.ts")], { cwd: root, stdio: "inherit" });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

/** Sends one demo task once the API named in ajc dev's ready text answers. */
async function sendDemoTask(api: string): Promise<void> {
  const r = await fetch(`${api}/v1/tasks`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ type: "demo", payload: { hello: "world" } }),
  });
  const task = (await r.json()) as { id?: string };
  console.error(
    r.ok
      ? `npm start: sent demo task ${task.id}; the worker's line for it ("state=complete") follows`
      : `npm start: sending a demo task failed (${r.status}): ${JSON.stringify(task)}`,
  );
}

function main(): void {
  buildIfNeeded();
  const args = [
    "dev",
    "--worker",
    `demo=${join(root, "examples", "demo-worker.sh")}`,
    ...process.argv.slice(2),
  ];
  const child = spawn(binary, args, { cwd: root, stdio: ["inherit", "pipe", "inherit"] });
  let text = "";
  let sent = false;
  child.stdout.on("data", (chunk: Buffer) => {
    process.stdout.write(chunk);
    if (sent) return;
    text += chunk.toString();
    const api = /HTTP API\s+(http:\S+)/.exec(text)?.[1];
    if (api && text.includes("curl")) {
      sent = true;
      sendDemoTask(api).catch((err) => console.error(`npm start: sending a demo task failed: ${err}`));
    }
  });
  // Ctrl-C reaches ajc too (same terminal): wait for it to stop everything, then exit as it did.
  process.on("SIGINT", () => {});
  process.on("SIGTERM", () => child.kill("SIGTERM"));
  child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

main();
