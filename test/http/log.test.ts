import { expect, test } from "bun:test";
import { batchedSink, createLogger } from "../../src/core/log.ts";
import { logRequest } from "../../src/http/log.ts";

test("text lines look like the Go tools' and quote what needs quoting", () => {
  const lines: string[] = [];
  let now = 1_000;
  const log = createLogger({ write: (l) => lines.push(l), now: () => now });
  log.info("asyncjobs HTTP API listening on 127.0.0.1:8080 (none)");
  now += 12_500;
  logRequest(log, "GET", "/v1/tasks/a b", 200, 1.23456);
  log.warn("multi\nline", { error: 'say "hi"' });
  expect(lines).toEqual([
    "INFO[0000] asyncjobs HTTP API listening on 127.0.0.1:8080 (none)",
    'INFO[0012] request method=GET path="/v1/tasks/a b" status=200 duration_ms=1.235',
    'WARN[0012] multi line error="say \\"hi\\""',
  ]);
});

test("json lines carry level, time, msg and the fields", () => {
  const lines: string[] = [];
  const log = createLogger({ format: "json", write: (l) => lines.push(l), now: () => 0 });
  logRequest(log, "POST", "/v1/tasks", 201, 2);
  expect(JSON.parse(lines[0]!)).toEqual({
    level: "info",
    time: "1970-01-01T00:00:00.000Z",
    msg: "request",
    method: "POST",
    path: "/v1/tasks",
    status: 201,
    duration_ms: 2,
  });
});

test("batchedSink writes the lines of one turn at once, and on flush", async () => {
  const writes: string[] = [];
  const sink = batchedSink((t) => writes.push(t));
  sink.write("a");
  sink.write("b");
  expect(writes).toEqual([]);
  await new Promise((r) => setImmediate(r));
  expect(writes).toEqual(["a\nb\n"]);
  sink.write("c");
  sink.flush();
  sink.flush();
  expect(writes).toEqual(["a\nb\n", "c\n"]);
});

test("lines still pending when the process crashes or exits are written by the exit flush", async () => {
  const script = `
    import { batchedSink } from ${JSON.stringify(`${import.meta.dir}/../../src/core/log.ts`)};
    const sink = batchedSink((t) => process.stderr.write(t));
    process.once("exit", sink.flush);
    sink.write("before the end");
    if (process.env.HOW === "crash") throw new Error("boom");
    process.exit(3);
  `;
  for (const how of ["crash", "exit"]) {
    const p = Bun.spawn([process.execPath, "-e", script], {
      env: { ...process.env, HOW: how },
      stderr: "pipe",
      stdout: "ignore",
    });
    const err = await new Response(p.stderr).text();
    expect(await p.exited).toBe(how === "crash" ? 1 : 3);
    expect(err).toContain("before the end\n");
  }
});
