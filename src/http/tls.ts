/**
 * TLS material for the listener: a certificate and key, and optionally a client-CA bundle that
 * turns on mTLS (every client must present a chain that verifies against it). Files are read once
 * at start-up; rotating them needs a restart.
 */
import { X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import type { ServerOptions } from "node:https";
import { createSecureContext } from "node:tls";
import { AjcError } from "../core/errors.ts";

/** Paths of the TLS files, as given on the command line. */
export interface TlsFiles {
  cert?: string;
  key?: string;
  clientCa?: string;
}

/** The oldest protocol the listener accepts. */
export const TLS_MIN_VERSION = "TLSv1.2";

function fail(message: string, field: string, cause?: unknown): AjcError {
  return new AjcError("invalid_argument", message, { field, cause });
}

function read(path: string, flag: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw fail(`cannot read ${flag} ${path}: ${(err as Error).message}`, flag, err);
  }
}

/** Counts the PEM certificates in a bundle that actually parse. */
function countCertificates(pem: string): number {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  let n = 0;
  for (const b of blocks) {
    try {
      new X509Certificate(b);
      n++;
    } catch {
      // not a certificate we can use; a bundle with none at all is refused below
    }
  }
  return n;
}

/**
 * Validates the combination and reads the files: undefined when TLS is off. Cert and key go
 * together; a client CA needs both and must hold at least one certificate.
 */
export function loadTls(files: TlsFiles): ServerOptions | undefined {
  const { cert, key, clientCa } = files;
  if (!cert && !key) {
    if (clientCa) throw fail("--tls-client-ca needs --tls-cert and --tls-key", "tls-client-ca");
    return undefined;
  }
  if (!cert || !key)
    throw fail("--tls-cert and --tls-key must be given together", cert ? "tls-key" : "tls-cert");
  const opts: ServerOptions = {
    cert: read(cert, "--tls-cert"),
    key: read(key, "--tls-key"),
    minVersion: TLS_MIN_VERSION,
  };
  try {
    createSecureContext({ cert: opts.cert, key: opts.key });
  } catch (err) {
    throw fail(`cannot use the TLS certificate and key: ${(err as Error).message}`, "tls-cert", err);
  }
  if (clientCa) {
    const ca = read(clientCa, "--tls-client-ca");
    if (countCertificates(ca.toString("utf8")) === 0) {
      throw fail(`--tls-client-ca ${clientCa} holds no certificate`, "tls-client-ca");
    }
    opts.ca = ca;
    opts.requestCert = true;
    opts.rejectUnauthorized = true;
  }
  return opts;
}
