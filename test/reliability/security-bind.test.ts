/**
 * The bind guard through the compiled binary, as an operator meets it: every spelling of a
 * non-loopback address is refused at start-up unless acknowledged, nothing listens, and the refusal
 * names the way out (--unsafe-bind behind an authenticating proxy, or the mTLS flags).
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { connect } from "node:net";
import { ajcBinary, runAjc } from "../helpers/binary.ts";
import { makeCerts, type TestCerts } from "../helpers/certs.ts";
import { pool } from "../helpers/hostile.ts";
import { freePort } from "../helpers/nats.ts";

let certs: TestCerts;
/** NATS is never dialled: the guard runs first, so a dead address proves it. */
let env: Record<string, string>;
beforeAll(async () => {
  ajcBinary();
  certs = makeCerts();
  env = { NATS_URL: `nats://127.0.0.1:${await freePort()}` };
});
afterAll(() => certs?.remove());

/** True when something accepts connections on 127.0.0.1:port. */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, "127.0.0.1");
    s.once("connect", () => {
      s.destroy();
      resolve(true);
    });
    s.once("error", () => resolve(false));
  });
}

const WAY_OUT = /--unsafe-bind[\s\S]*--tls-cert[\s\S]*--tls-key[\s\S]*--tls-client-ca/;

async function refused(bind: string, extra: string[] = [], extraEnv: Record<string, string> = {}) {
  const r = await runAjc(["server", "run", "--queue", "EMAIL", "--bind", bind, ...extra], {
    env: { ...env, ...extraEnv },
    timeoutMs: 10_000,
  });
  expect({ bind, code: r.code }).toEqual({ bind, code: 1 });
  expect(r.stdout + r.stderr).not.toContain("listening on");
  return r.stderr;
}

const FORMS: [string, string][] = [
  ["all IPv4 interfaces", "0.0.0.0:PORT"],
  ["all IPv6 interfaces", "[::]:PORT"],
  ["an empty host (every interface)", ":PORT"],
  ["all interfaces, IPv4-mapped", "[::ffff:0.0.0.0]:PORT"],
  ["all interfaces, long form", "[0:0:0:0:0:0:0:0]:PORT"],
  ["a public IPv4 address", "8.8.8.8:PORT"],
  ["a private IPv4 address (10/8)", "10.1.2.3:PORT"],
  ["a private IPv4 address (192.168/16)", "192.168.1.10:PORT"],
  ["a private IPv4 address (172.16/12)", "172.16.0.1:PORT"],
  ["a link-local IPv4 address", "169.254.1.1:PORT"],
  ["a broadcast address", "255.255.255.255:PORT"],
  ["a public IPv6 address", "[2001:db8::1]:PORT"],
  ["a unique-local IPv6 address", "[fd00::1]:PORT"],
  ["a link-local IPv6 address with a zone", "[fe80::1%eth0]:PORT"],
  ["an IPv4-mapped private address", "[::ffff:10.0.0.1]:PORT"],
  ["an IPv4-compatible loopback look-alike", "[::127.0.0.1]:PORT"],
];

test("every non-loopback form is refused without acknowledgement, naming the way out; nothing listens", async () => {
  const ports = await Promise.all(FORMS.map(() => freePort()));
  const results = await pool(FORMS, 4, async ([what, form], i) => {
    const bind = form.replace("PORT", String(ports[i]));
    return { what, stderr: await refused(bind), listening: await listening(ports[i]!) };
  });
  for (const r of results) {
    expect({ what: r.what, refusal: WAY_OUT.test(r.stderr) && /not loopback/.test(r.stderr) }).toEqual({
      what: r.what,
      refusal: true,
    });
    expect({ what: r.what, listening: r.listening }).toEqual({ what: r.what, listening: false });
  }
});

test("host names are refused outright, even acknowledged: what they resolve to can change", async () => {
  const names = ["example.com", "myhost", "localhost.", "127.0.0.1.nip.io", "0177.0.0.1", "2130706433"];
  const stderrs = await pool(names, 4, (n) => refused(`${n}:8080`, ["--unsafe-bind"]));
  for (const e of stderrs) expect(e).toMatch(/host name .*use an IP address/);
});

test("malformed binds are refused with a message, never a stack trace", async () => {
  const forms = [
    "0.0.0.0",
    "127.0.0.1:65536",
    "127.0.0.1:-1",
    " 127.0.0.1:80",
    "[::1]",
    "[127.0.0.1]:80",
    "",
  ];
  const stderrs = await pool(forms, 4, (f) => refused(f));
  for (const e of stderrs) {
    expect(e).toMatch(/invalid --bind|host name/);
    expect(e).not.toMatch(/\n\s+at /);
  }
});

test("the environment is guarded the same way; AJC_UNSAFE_BIND=false is no acknowledgement", async () => {
  const port = await freePort();
  const r = await runAjc(["server", "run", "--queue", "EMAIL"], {
    env: { ...env, AJC_BIND: `0.0.0.0:${port}`, AJC_UNSAFE_BIND: "false" },
  });
  expect(r.code).toBe(1);
  expect(r.stderr).toMatch(WAY_OUT);
  expect(await listening(port)).toBe(false);
});

test("TLS without a client CA is no acknowledgement: only mTLS lifts the guard", async () => {
  const stderr = await refused("0.0.0.0:0", ["--tls-cert", certs.server.cert, "--tls-key", certs.server.key]);
  expect(stderr).toMatch(WAY_OUT);
});

test("acknowledged binds get past the guard (and then need NATS, which is not there)", async () => {
  for (const extra of [
    ["--unsafe-bind"],
    ["--tls-cert", certs.server.cert, "--tls-key", certs.server.key, "--tls-client-ca", certs.ca],
  ]) {
    const r = await runAjc(["server", "run", "--queue", "EMAIL", "--bind", "0.0.0.0:0", ...extra], {
      env,
      timeoutMs: 15_000,
    });
    expect(r.code).toBe(1);
    expect(r.stderr).not.toMatch(/not loopback/);
    expect(r.stderr).toMatch(/nats|connect/i);
  }
});
