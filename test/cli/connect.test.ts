/**
 * Connecting like the `nats` CLI: --server lists and NATS_URL, --context files under
 * $XDG_CONFIG_HOME (url, user/password, token, nkey, cert/key/ca, inbox prefix), the credential and
 * TLS flags, and a clear one-line failure when NATS cannot be reached.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { connect, createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ajcBinary, runAjc } from "../helpers/binary.ts";
import { freePort, type NatsServer, natsServerBinary, startNats } from "../helpers/nats.ts";
import { missingTools } from "../helpers/tools.ts";

// Each test runs the compiled binary a few times; a loaded machine needs more than the default 5s.
setDefaultTimeout(30_000);

/** A test-only nkey user (generated once; not used anywhere else). */
const NKEY_SEED = "SUAH4HQF7UZ4KJCBZJTT2NXMMN57BG23UUXWROP7X6GNP6Y7INUWQVAUDA";
const NKEY_PUBLIC = "UDUOIDF6GPXQH7RWM6L6O563ZE6L2XVHN3JP43EQ6VD3SZ3UYGIMEDWW";

const noOpenssl = missingTools("openssl");

let dir: string;
let plain: NatsServer;
let auth: ConfiguredServer;
let tls: ConfiguredServer | undefined;

interface ConfiguredServer {
  url: string;
  stop(): Promise<void>;
}

/** A nats-server with JetStream and the given extra configuration. */
async function startConfigured(name: string, extra: string): Promise<ConfiguredServer> {
  const port = await freePort();
  const conf = join(dir, `${name}.conf`);
  writeFileSync(
    conf,
    `listen: "127.0.0.1:${port}"\njetstream { store_dir: "${join(dir, `${name}-js`)}" }\n${extra}\n`,
  );
  const proc = Bun.spawn([natsServerBinary(), "-c", conf], { stdout: "ignore", stderr: "pipe" });
  for (let i = 0; i < 200; i++) {
    const up = await new Promise<boolean>((resolve) => {
      const s = connect(port, "127.0.0.1");
      s.once("connect", () => {
        s.destroy();
        resolve(true);
      });
      s.once("error", () => resolve(false));
    });
    if (up) break;
    if (proc.exitCode !== null)
      throw new Error(`nats-server ${name} failed: ${await new Response(proc.stderr).text()}`);
    await Bun.sleep(25);
  }
  return {
    url: `nats://127.0.0.1:${port}`,
    async stop() {
      proc.kill();
      await proc.exited;
    },
  };
}

function openssl(...args: string[]): void {
  const r = spawnSync("openssl", args, { cwd: dir, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`openssl ${args.join(" ")}: ${r.stderr}`);
}

/** A CA, a server certificate for 127.0.0.1 and a client certificate, all EC P-256. */
function makeCerts(): void {
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  openssl(
    "req",
    "-x509",
    ...ec,
    "-keyout",
    "ca.key",
    "-out",
    "ca.pem",
    "-days",
    "1",
    "-subj",
    "/CN=ajc test CA",
  );
  for (const [who, ext] of [
    ["server", "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth"],
    ["client", "extendedKeyUsage=clientAuth"],
  ] as const) {
    writeFileSync(join(dir, `${who}.ext`), `${ext}\n`);
    openssl("req", ...ec, "-keyout", `${who}.key`, "-out", `${who}.csr`, "-subj", `/CN=ajc test ${who}`);
    openssl(
      "x509",
      "-req",
      "-in",
      `${who}.csr`,
      "-CA",
      "ca.pem",
      "-CAkey",
      "ca.key",
      "-CAcreateserial",
      "-out",
      `${who}.pem`,
      "-days",
      "1",
      "-extfile",
      `${who}.ext`,
    );
  }
}

beforeAll(async () => {
  ajcBinary();
  dir = mkdtempSync(join(tmpdir(), "ajc-connect-"));
  plain = await startNats();
  auth = await startConfigured(
    "auth",
    `authorization { users = [
      { user: alice, password: s3cret }
      { nkey: ${NKEY_PUBLIC} }
      { user: bob, password: b0b, permissions: { subscribe: { allow: ["_MY_INBOX.>"] }, publish: { allow: [">"] } } }
    ] }`,
  );
  if (!noOpenssl) {
    makeCerts();
    tls = await startConfigured(
      "tls",
      `authorization { token: "t0ken" }\ntls { cert_file: "${join(dir, "server.pem")}", key_file: "${join(dir, "server.key")}", ca_file: "${join(dir, "ca.pem")}", verify: true }`,
    );
  }
  writeFileSync(join(dir, "user.nk"), `${NKEY_SEED}\n`);
});
afterAll(async () => {
  await plain.close();
  await auth.stop();
  await tls?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Writes context NAME under a private XDG_CONFIG_HOME and returns the env that selects it. */
function context(name: string, body: Record<string, string>): Record<string, string> {
  const xdg = join(dir, "xdg");
  mkdirSync(join(xdg, "nats", "context"), { recursive: true });
  writeFileSync(join(xdg, "nats", "context", `${name}.json`), JSON.stringify(body));
  return { XDG_CONFIG_HOME: xdg };
}

describe("unreachable NATS", () => {
  test("connection refused: one line naming the URL, exit 1, quickly", async () => {
    const url = `nats://127.0.0.1:${await freePort()}`;
    const started = Date.now();
    const r = await runAjc(["queue", "ls", "--server", url]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`ajc: cannot connect to NATS at ${url}: connection refused\n`);
    expect(r.stdout).toBe("");
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  test("a server that never answers: one line naming the URL within about 5s", async () => {
    const silent: Server = createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const port = (silent.address() as { port: number }).port;
    const url = `nats://127.0.0.1:${port}`;
    try {
      const started = Date.now();
      const r = await runAjc(["task", "ls"], { env: { NATS_URL: url } });
      const took = Date.now() - started;
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(new RegExp(`^ajc: cannot connect to NATS at ${url}: [^\\n]+\\n$`));
      expect(took).toBeLessThan(9_000);
    } finally {
      silent.close();
    }
  }, 15_000);
});

test("a server without JetStream: one line naming it", async () => {
  const port = await freePort();
  const proc = Bun.spawn([natsServerBinary(), "-a", "127.0.0.1", "-p", String(port)], {
    stdout: "ignore",
    stderr: "ignore",
  });
  try {
    let r = await runAjc(["queue", "ls", "-s", `nats://127.0.0.1:${port}`]);
    for (let i = 0; i < 50 && r.stderr.includes("connection refused"); i++) {
      await Bun.sleep(50);
      r = await runAjc(["queue", "ls", "-s", `nats://127.0.0.1:${port}`]);
    }
    expect([r.code, r.stderr]).toEqual([
      1,
      `ajc: JetStream at 127.0.0.1:${port}: NATS JetStream is not available\n`,
    ]);
  } finally {
    proc.kill();
    await proc.exited;
  }
});

describe("servers", () => {
  test("NATS_URL; --server wins over it; a comma separated list tries each", async () => {
    const dead = `nats://127.0.0.1:${await freePort()}`;
    const [env, flag, list] = await Promise.all([
      runAjc(["queue", "ls"], { env: { NATS_URL: plain.url } }),
      runAjc(["queue", "ls", "-s", plain.url], { env: { NATS_URL: dead } }),
      runAjc(["queue", "ls", "--server", `${dead},${plain.url}`]),
    ]);
    for (const r of [env, flag, list])
      expect([r.code, r.stdout, r.stderr]).toEqual([0, "No queues defined\n", ""]);
  });
});

describe("contexts", () => {
  test("--context NAME reads $XDG_CONFIG_HOME/nats/context/NAME.json", async () => {
    const env = context("dev", { url: plain.url });
    const r = await runAjc(["--context", "dev", "queue", "ls"], { env });
    expect([r.code, r.stdout]).toEqual([0, "No queues defined\n"]);
  });

  test("without XDG_CONFIG_HOME: ~/.config/nats/context", async () => {
    const home = join(dir, "home");
    mkdirSync(join(home, ".config", "nats", "context"), { recursive: true });
    writeFileSync(join(home, ".config", "nats", "context", "mine.json"), JSON.stringify({ url: plain.url }));
    const r = await runAjc(["queue", "ls", "--context", "mine"], { env: { HOME: home } });
    expect([r.code, r.stdout]).toEqual([0, "No queues defined\n"]);
  });

  test("without --context or NATS_CONTEXT, the Go ajc's default context AJC is read when it exists", async () => {
    const env = context("AJC", { url: plain.url });
    const r = await runAjc(["queue", "ls"], { env });
    expect([r.code, r.stdout]).toEqual([0, "No queues defined\n"]);
    // A context that is named wins over it.
    writeFileSync(
      join(env.XDG_CONFIG_HOME!, "nats", "context", "other.json"),
      JSON.stringify({ url: auth.url }),
    );
    const named = await runAjc(["queue", "ls", "--context", "other"], { env });
    expect(named.code).toBe(1);
  });

  test("an unknown context is a one-line error", async () => {
    const env = context("dev", { url: plain.url });
    const r = await runAjc(["queue", "ls", "--context", "nope"], { env });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      `ajc: unknown NATS context: cannot read ${join(env.XDG_CONFIG_HOME!, "nats", "context", "nope.json")}: no such file\n`,
    );
  });

  test("user and password from the context; flags work too; without them, refused", async () => {
    const env = context("alice", { url: auth.url, user: "alice", password: "s3cret" });
    const [ctx, flags, none] = await Promise.all([
      runAjc(["queue", "ls", "--context", "alice"], { env }),
      runAjc(["queue", "ls", "-s", auth.url, "--user", "alice", "--password", "s3cret"]),
      runAjc(["queue", "ls", "-s", auth.url]),
    ]);
    expect([ctx.code, ctx.stderr]).toEqual([0, ""]);
    expect([flags.code, flags.stderr]).toEqual([0, ""]);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(
      new RegExp(`^ajc: cannot connect to NATS at ${auth.url}: .*[Aa]uthorization.*\\n$`),
    );
  });

  test("an nkey seed file, from the context or --nkey", async () => {
    const env = context("nk", { url: auth.url, nkey: join(dir, "user.nk") });
    const [ctx, flag] = await Promise.all([
      runAjc(["queue", "ls", "--context", "nk"], { env }),
      runAjc(["queue", "ls", "-s", auth.url, "--nkey", join(dir, "user.nk")]),
    ]);
    expect([ctx.code, ctx.stderr]).toEqual([0, ""]);
    expect([flag.code, flag.stderr]).toEqual([0, ""]);
  });

  test("the inbox prefix: a user who may only subscribe to _MY_INBOX.> works with it, not without", async () => {
    const env = context("bob", { url: auth.url, user: "bob", password: "b0b", inbox_prefix: "_MY_INBOX" });
    const env2 = context("bob2", { url: auth.url, user: "bob", password: "b0b" });
    const [withPrefix, without] = await Promise.all([
      runAjc(["queue", "ls", "--context", "bob"], { env }),
      runAjc(["queue", "ls", "--context", "bob2"], { env: env2 }),
    ]);
    expect([withPrefix.code, withPrefix.stderr]).toEqual([0, ""]);
    expect(without.code).toBe(1);
    expect(without.stderr.split("\n")).toHaveLength(2);
  });

  test.skipIf(noOpenssl)(
    "token and TLS client certificates (the server demands one): from the context, or --tls flags",
    async () => {
      const certs = { cert: join(dir, "client.pem"), key: join(dir, "client.key"), ca: join(dir, "ca.pem") };
      const env = context("tls", { url: tls!.url, token: "t0ken", ...certs });
      const env2 = context("tokenonly", { url: tls!.url, token: "t0ken" });
      const [ctx, flags] = await Promise.all([
        runAjc(["queue", "ls", "--context", "tls"], { env }),
        runAjc(
          [
            "queue",
            "ls",
            "--context",
            "tokenonly",
            "--tlscert",
            certs.cert,
            "--tlskey",
            certs.key,
            "--tlsca",
            certs.ca,
          ],
          {
            env: env2,
          },
        ),
      ]);
      expect([ctx.code, ctx.stdout, ctx.stderr]).toEqual([0, "No queues defined\n", ""]);
      expect([flags.code, flags.stdout, flags.stderr]).toEqual([0, "No queues defined\n", ""]);
    },
  );
});
