/** Flags that give a size in bytes (`--max-body`, `--max-output`): a whole number of at least 1. */
import { AjcError } from "../core/errors.ts";

/** The flag's value in bytes, or undefined when it is not given. */
export function byteFlag(flag: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v) || Number(v) < 1) {
    throw new AjcError("invalid_argument", `--${flag} must be a whole number of bytes`, { field: flag });
  }
  return Number(v);
}
