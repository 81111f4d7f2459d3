/**
 * Oversized requests. In-process (max body 1 KiB): every operation that takes a body answers 413 in
 * the envelope, with and without Content-Length; a body on an operation that takes none is dropped;
 * too many headers are 431, a URL over the parser's limit is 414, both in the envelope. Against the
 * compiled binary (default 512 KiB): 200 bodies of 10 MB without Content-Length (and 50 with) keep
 * the server's resident memory bounded, and none of what they carried reaches the log.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { connect } from "node:net";
import { Client } from "../../src/client.ts";
import { type AjcProcess, ajcBinary, spawnAjc } from "../helpers/binary.ts";
import {
  answerProblem,
  canary,
  expectNoCanaries,
  isParserRefusal,
  pool,
  rawRequest,
  rssKiB,
} from "../helpers/hostile.ts";
import { type ApiEnv, caller, startApi } from "../helpers/http.ts";
import { freePort, type NatsServer, startNats } from "../helpers/nats.ts";

const MAX = 1024;
const SECRET = canary("big");
/** Bodies are declared JSON: one of another type is refused (415) before its size matters. */
const JSON_TYPE = "Content-Type: application/json\r\n";

describe("in-process, max body 1 KiB", () => {
  let api: ApiEnv;
  beforeAll(async () => {
    api = await startApi({ server: { maxBodyBytes: MAX } });
  });
  afterAll(() => api?.close());

  const big = JSON.stringify({ type: "t", payload: "x".repeat(MAX) });
  const chunked = (s: string) => `${s.length.toString(16)}\r\n${s}\r\n`;

  const POSTS = [
    "/v1/tasks",
    "/v1/tasks/retry",
    "/v1/tasks/some-id/retry",
    "/v1/queues",
    "/v1/queues/EMAIL/purge",
    "/v1/schedules",
  ];

  test("every operation with a body: 413 in the envelope, with Content-Length and without", async () => {
    for (const path of POSTS) {
      for (const framing of ["length", "chunked"] as const) {
        const head =
          framing === "length"
            ? `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n${JSON_TYPE}Content-Length: ${big.length}\r\n\r\n${big}`
            : `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n${JSON_TYPE}Transfer-Encoding: chunked\r\n\r\n${chunked(big.slice(0, 700))}${chunked(big.slice(700))}0\r\n\r\n`;
        const a = await rawRequest(api.server.port, head);
        expect({ path, framing, status: a.status }).toEqual({ path, framing, status: 413 });
        expect(answerProblem("POST", path, a)).toBeUndefined();
        expect(JSON.parse(a.body).error.details.reason).toBe("payload_too_large");
      }
    }
    // An announced size over the limit is refused before any of the body is sent.
    const early = await rawRequest(
      api.server.port,
      `POST /v1/tasks HTTP/1.1\r\nHost: 127.0.0.1\r\n${JSON_TYPE}Content-Length: 999999999999\r\n\r\n`,
    );
    expect(early.status).toBe(413);
  });

  test("a body on an operation that takes none is not read and cannot be too large", async () => {
    for (const [method, path, status] of [
      ["GET", "/v1/queues", 200],
      ["GET", "/v1/tasks/nope", 404],
      ["DELETE", "/v1/tasks/nope", 404],
      ["GET", "/healthz", 200],
    ] as const) {
      const a = await rawRequest(
        api.server.port,
        `${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: ${big.length}\r\n\r\n${big}`,
      );
      expect({ method, path, status: a.status }).toEqual({ method, path, status });
      expect(answerProblem(method, path, a)).toBeUndefined();
    }
  });

  test("too many headers, or one huge one: 431 in the envelope, connection closed", async () => {
    const many = Array.from({ length: 1_000 }, (_, i) => `X-H${i}: v\r\n`).join("");
    const one = `X-Big: ${"b".repeat(20_000)}\r\n`;
    for (const extra of [many, one]) {
      const a = await rawRequest(api.server.port, `GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n${extra}\r\n`);
      expect(a.status).toBe(431);
      expect(isParserRefusal(a)).toBe(true);
      expect(a.headers.connection).toBe("close");
    }
    // A hundred headers are fine.
    const fine = Array.from({ length: 100 }, (_, i) => `X-H${i}: v\r\n`).join("");
    expect(
      (await rawRequest(api.server.port, `GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n${fine}\r\n`)).status,
    ).toBe(200);
  });

  test("a URL over the parser's limit: 414 in the envelope (path or query string, any method)", async () => {
    for (const target of [
      `/v1/tasks/${"a".repeat(20_000)}`,
      `/v1/tasks?type=${"t".repeat(20_000)}`,
      `/${"x".repeat(1_000_000)}`,
    ]) {
      for (const method of ["GET", "POST", "HEAD"]) {
        const a = await rawRequest(
          api.server.port,
          `${method} ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`,
          {
            timeoutMs: 5_000,
          },
        );
        expect({ method, status: a.status }).toEqual({ method, status: 414 });
        expect(isParserRefusal(a)).toBe(true);
        expect(a.headers.connection).toBe("close");
      }
    }
    // fetch sees the same.
    const r = await fetch(`${api.url}/v1/tasks/${"a".repeat(20_000)}`);
    expect(r.status).toBe(414);
    expect(((await r.json()) as { error: { message: string } }).error.message).toBe(
      "request target (URL) too long",
    );
  });

  test("a long URL under the parser's limit is answered by the routes, in the envelope", async () => {
    for (const [target, status, reason] of [
      [`/v1/tasks/${"a".repeat(12_000)}`, 400, "task_id_invalid"],
      [`/v1/queues/${"q".repeat(12_000)}`, 400, "queue_name_invalid"],
      [`/v1/tasks?type=${"t".repeat(12_000)}`, 200, undefined],
      [`/${"x".repeat(12_000)}`, 404, "not_found"],
    ] as const) {
      const r = await api.call("GET", target);
      expect({ status: r.status, reason: r.body?.error?.details?.reason }).toEqual({ status, reason });
    }
  });

  test("an HTTP/1.1 request without Host is refused by Bun's parser before our code: 400, no envelope", async () => {
    // The only refusal without the envelope: Bun's HTTP server answers it itself and raises no
    // event we could answer from (plain HTTP only; over TLS the request is served). Kept as a test
    // so a change in Bun shows up here.
    const a = await rawRequest(api.server.port, "GET /healthz HTTP/1.1\r\n\r\n");
    expect(a.status).toBe(400);
    expect(a.body).toBe("");
    expect(a.headers.connection).toBe("close");
    expect(api.logs.some((l) => / request method=GET path=\/healthz status=400/.test(l))).toBe(false);
  });
});

describe("compiled binary, default max body (512 KiB): memory stays bounded", () => {
  let nats: NatsServer;
  let server: AjcProcess;
  let port: number;
  beforeAll(async () => {
    ajcBinary();
    nats = await startNats();
    const c = await Client.connect({ connection: { servers: nats.url } });
    await c.createQueue({ name: "EMAIL", max_runtime: "1h" });
    await c.close();
    port = await freePort();
    server = spawnAjc(["server", "run", "--queue", "EMAIL", "--bind", `127.0.0.1:${port}`], {
      env: { NATS_URL: nats.url },
    });
    await server.waitFor("listening on");
  });
  afterAll(async () => {
    await server?.stop("SIGKILL");
    await nats?.close();
  });

  const TEN_MB = 10 * 1024 * 1024;
  const piece = Buffer.alloc(64 * 1024, `{"secret":"${SECRET}"}`);

  /** Streams `total` bytes (chunked, or with Content-Length) and returns the status the server answered. */
  function upload(total: number, chunked: boolean): Promise<number> {
    return new Promise((resolve) => {
      let received = "";
      let sent = 0;
      let done = false;
      const s = connect(port, "127.0.0.1");
      const finish = () => {
        if (done) return;
        done = true;
        clearTimeout(cap);
        s.destroy();
        resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(received)?.[1] ?? 0));
      };
      const cap = setTimeout(finish, 15_000);
      const pump = () => {
        while (!s.destroyed && sent < total) {
          const n = Math.min(piece.length, total - sent);
          const data = n === piece.length ? piece : piece.subarray(0, n);
          sent += n;
          // Every part of a chunk is written whatever the buffer says (&& would drop parts).
          if (chunked) {
            s.write(`${n.toString(16)}\r\n`);
            s.write(data);
          }
          const ok = s.write(chunked ? "\r\n" : data);
          if (!ok) return void s.once("drain", pump);
        }
        if (!s.destroyed && chunked) s.write("0\r\n\r\n");
      };
      s.on("connect", () => {
        s.write(
          `POST /v1/tasks HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${SECRET}\r\n${JSON_TYPE}${
            chunked ? "Transfer-Encoding: chunked" : `Content-Length: ${total}`
          }\r\n\r\n`,
        );
        pump();
      });
      s.on("data", (d) => {
        received += d.toString("latin1");
        if (/\r\n\r\n[\s\S]*\}$/.test(received)) finish();
      });
      s.on("error", () => {});
      s.on("end", finish);
      s.on("close", finish);
    });
  }

  test("300 × 10 MB without Content-Length and 75 × 10 MB with it: 413 each, RSS bounded", async () => {
    const call = caller(`http://127.0.0.1:${port}`);
    for (let i = 0; i < 100; i++)
      expect((await call("POST", "/v1/tasks", { json: { type: "warm" } })).status).toBe(201);
    // Warm the oversize path too, then take the baseline.
    await pool(Array.from({ length: 8 }), 8, () => upload(TEN_MB, true));
    await Bun.sleep(300);
    const pid = server.proc.pid;
    const baseline = rssKiB(pid);
    let peak = baseline;
    const sampler = setInterval(() => {
      peak = Math.max(peak, rssKiB(pid));
    }, 20);
    const started = Date.now();
    // Three rounds of 100 chunked and 25 with Content-Length: the last must not climb above the
    // ones before by much (bounded, not growing with the number of requests). The first round
    // alone may not reach the plateau on a busy machine (its peak then lags by a round), so the
    // last is compared with the peak of the first two.
    const round = () => [
      ...Array.from({ length: 100 }, () => true),
      ...Array.from({ length: 25 }, () => false),
    ];
    const statuses = await pool(round(), 6, (chunked) => upload(TEN_MB, chunked));
    statuses.push(...(await pool(round(), 6, (chunked) => upload(TEN_MB, chunked))));
    const peak1 = peak;
    statuses.push(...(await pool(round(), 6, (chunked) => upload(TEN_MB, chunked))));
    clearInterval(sampler);
    peak = Math.max(peak, rssKiB(pid));
    const after = rssKiB(pid);
    const mib = (k: number) => Math.round(k / 1024);
    console.log(
      `hostile-oversize: 375 × 10 MB in ${Date.now() - started}ms; RSS baseline ${mib(baseline)} MiB, peak after two thirds ${mib(peak1)} MiB, peak ${mib(peak)} MiB, after ${mib(after)} MiB`,
    );
    expect(peak - peak1).toBeLessThan(32 * 1024);
    const counts: Record<number, number> = {};
    for (const s of statuses) counts[s] = (counts[s] ?? 0) + 1;
    console.log(`hostile-oversize: answers ${JSON.stringify(counts)}`);
    expect(counts).toEqual({ 413: 375 });
    expect(peak - baseline).toBeLessThan(96 * 1024);
    expect(server.proc.exitCode).toBeNull();
    expect((await call("GET", "/healthz")).status).toBe(200);
  });

  test("the log holds none of what the big bodies carried", async () => {
    // The log is written in batches: wait for the 413s' lines rather than for a while.
    await server.waitFor(/request method=POST path=\/v1\/tasks status=413/, 5_000);
    expectNoCanaries(server.output(), [SECRET]);
  });
});
