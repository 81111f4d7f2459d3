/**
 * Optional ed25519 task signatures, compatible with the Go library. The signed message is
 * `<id>:<queue>:<type>:<max_tries>:<created unix ns>:<deadline unix ns or 0>:<base64 payload>`.
 */
import { createPrivateKey, createPublicKey, type KeyObject, sign, verify } from "node:crypto";
import { AjcError } from "./errors.ts";
import type { Task } from "./task.ts";
import { parseTimeNs } from "./time.ts";

const PKCS8_ED25519_PREFIX = Buffer.from("302e020100300506032b657004220420", "hex");
const SPKI_ED25519_PREFIX = Buffer.from("302a300506032b6570032100", "hex");

/** The bytes a task's signature covers. */
export function signatureMessage(t: Task): Buffer {
  const created = parseTimeNs(t.created) ?? 0n;
  const deadline = t.deadline ? (parseTimeNs(t.deadline) ?? 0n) : 0n;
  return Buffer.from(
    `${t.id}:${t.queue}:${t.type}:${t.max_tries}:${created}:${deadline}:${t.payload ?? ""}`,
    "utf8",
  );
}

function hexKey(hex: string, lengths: number[], what: string): Buffer {
  const clean = hex.trim();
  if (!/^[0-9a-fA-F]*$/.test(clean) || !lengths.includes(clean.length / 2)) {
    throw new AjcError("signature_key_invalid", `${what} must be ${lengths.join(" or ")} bytes of hex`);
  }
  return Buffer.from(clean, "hex");
}

/** A signing key from a hex seed (32 bytes, or Go's 64-byte private key whose first half is the seed). */
export function signingKey(hexSeed: string): KeyObject {
  const seed = hexKey(hexSeed, [32, 64], "ed25519 seed").subarray(0, 32);
  return createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, seed]), format: "der", type: "pkcs8" });
}

/** A verification key from a 32-byte hex public key. */
export function verificationKey(hexPublic: string): KeyObject {
  const pub = hexKey(hexPublic, [32], "ed25519 public key");
  return createPublicKey({ key: Buffer.concat([SPKI_ED25519_PREFIX, pub]), format: "der", type: "spki" });
}

/** The hex public key that belongs to a signing key. */
export function publicKeyHex(key: KeyObject): string {
  const der = createPublicKey(key).export({ format: "der", type: "spki" });
  return Buffer.from(der).subarray(SPKI_ED25519_PREFIX.length).toString("hex");
}

/** Signs a task in place (`task_already_signed` when it carries a signature). */
export function signTask(t: Task, key: KeyObject): void {
  if (t.signature) throw new AjcError("task_already_signed", `task ${t.id} is already signed`);
  t.signature = sign(null, signatureMessage(t), key).toString("hex");
}

/**
 * Verifies a task's signature: `task_not_signed` when there is none (unless `optional`),
 * `task_signature_invalid` when it does not verify.
 */
export function verifyTask(t: Task, key: KeyObject, optional = false): void {
  if (!t.signature) {
    if (optional) return;
    throw new AjcError("task_not_signed", `task ${t.id} is not signed`, { field: "signature" });
  }
  let ok = false;
  if (/^[0-9a-fA-F]{128}$/.test(t.signature)) {
    ok = verify(null, signatureMessage(t), key, Buffer.from(t.signature, "hex"));
  }
  if (!ok)
    throw new AjcError("task_signature_invalid", `task ${t.id} has an invalid signature`, {
      field: "signature",
    });
}
