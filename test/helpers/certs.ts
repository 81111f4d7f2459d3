/**
 * Certificates made at test time with openssl: a CA, a server certificate for 127.0.0.1/localhost,
 * a client certificate from the same CA, and a client certificate from another CA. Written to a
 * temporary directory that `remove()` deletes.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Paths of a certificate and its key. */
export interface CertPair {
  cert: string;
  key: string;
}

export interface TestCerts {
  dir: string;
  /** The CA that signed `server` and `client`. */
  ca: string;
  /** Another CA, which signed `stranger`. */
  otherCa: string;
  server: CertPair;
  client: CertPair;
  stranger: CertPair;
  /** File contents, for fetch's `tls` option. */
  read(path: string): string;
  remove(): void;
}

function openssl(dir: string, args: string[]): void {
  const r = spawnSync("openssl", args, { cwd: dir, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`openssl ${args.join(" ")} failed:\n${r.stderr}`);
}

const EC = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];

function makeCa(dir: string, name: string): void {
  openssl(dir, [
    "req",
    "-x509",
    ...EC,
    "-keyout",
    `${name}.key`,
    "-out",
    `${name}.crt`,
    "-days",
    "2",
    "-subj",
    `/CN=${name}`,
  ]);
}

function makeCert(dir: string, name: string, ca: string, san: string): CertPair {
  openssl(dir, ["req", ...EC, "-keyout", `${name}.key`, "-out", `${name}.csr`, "-subj", `/CN=${name}`]);
  writeFileSync(join(dir, `${name}.ext`), `subjectAltName=${san}\nextendedKeyUsage=serverAuth,clientAuth\n`);
  openssl(dir, [
    "x509",
    "-req",
    "-in",
    `${name}.csr`,
    "-CA",
    `${ca}.crt`,
    "-CAkey",
    `${ca}.key`,
    "-CAcreateserial",
    "-out",
    `${name}.crt`,
    "-days",
    "2",
    "-extfile",
    `${name}.ext`,
  ]);
  return { cert: join(dir, `${name}.crt`), key: join(dir, `${name}.key`) };
}

/** Makes a fresh set of certificates. */
export function makeCerts(): TestCerts {
  const dir = mkdtempSync(join(tmpdir(), "ajc-certs-"));
  makeCa(dir, "ca");
  makeCa(dir, "other-ca");
  return {
    dir,
    ca: join(dir, "ca.crt"),
    otherCa: join(dir, "other-ca.crt"),
    server: makeCert(dir, "server", "ca", "IP:127.0.0.1,DNS:localhost"),
    client: makeCert(dir, "client", "ca", "DNS:client"),
    stranger: makeCert(dir, "stranger", "other-ca", "DNS:stranger"),
    read: (path) => readFileSync(path, "utf8"),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
