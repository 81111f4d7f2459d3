/** `--sign` and `--verify`: ed25519 keys given as hex inline or as a file holding the hex. */
import { readFileSync } from "node:fs";
import type { Argv } from "yargs";
import { AjcError } from "../../../core/errors.ts";

/** The signing flags as parsed. */
export interface KeyArgs {
  sign?: string;
  verify?: string;
}

/** Adds `--sign SEED|FILE` and `--verify PUBKEY|FILE`. */
export function keyFlags<T>(y: Argv<T>) {
  return y
    .option("sign", {
      type: "string",
      describe: "sign tasks with this ed25519 seed: hex, or a file holding the hex",
    })
    .option("verify", {
      type: "string",
      describe: "require tasks signed by this ed25519 public key: hex, or a file holding the hex",
    })
    .group(["sign", "verify"], "Signatures:");
}

/** Inline hex keys are 32 or 64 bytes; anything else names a file. */
const INLINE_KEY = /^(?:[0-9a-fA-F]{64}|[0-9a-fA-F]{128})$/;

/** The hex text of a key given inline or as a file. */
export function readKey(valueOrFile: string, flag: string): string {
  const v = valueOrFile.trim();
  if (INLINE_KEY.test(v)) return v;
  try {
    return readFileSync(v, "utf8").trim();
  } catch (err) {
    throw new AjcError("signature_key_invalid", `--${flag}: not a hex key and not a readable file: ${v}`, {
      cause: err,
    });
  }
}

/** The client options for the signing flags that were given. */
export function keyOptions(a: KeyArgs): { signingKey?: string; verificationKey?: string } {
  const o: { signingKey?: string; verificationKey?: string } = {};
  if (a.sign) o.signingKey = readKey(a.sign, "sign");
  if (a.verify) o.verificationKey = readKey(a.verify, "verify");
  return o;
}
