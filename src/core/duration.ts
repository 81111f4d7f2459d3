/**
 * Go `time.Duration` parsing and formatting, ported so that our strings and Go's agree exactly.
 * Durations are int64 nanoseconds in Go; we compute with bigint and hand out `number` nanoseconds,
 * which is exact for every duration a queue or schedule realistically uses (up to ~104 days is
 * always exact, larger round values are too).
 */
import { AjcError } from "./errors.ts";

const UNIT_NS: Record<string, bigint> = {
  ns: 1n,
  us: 1_000n,
  µs: 1_000n, // U+00B5 micro sign
  μs: 1_000n, // U+03BC Greek mu
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};

const MAX_INT64 = (1n << 63n) - 1n;

function invalid(s: string, field?: string): AjcError {
  return new AjcError("invalid_duration", `time: invalid duration "${s}"`, { field });
}

/** Parses a Go duration string (`300ms`, `1.5h`, `2h45m`, `-1s`, `0`) into nanoseconds, exactly as Go. */
export function parseGoDurationBig(input: string, field?: string): bigint {
  let s = input;
  let neg = false;
  if (s !== "" && (s[0] === "-" || s[0] === "+")) {
    neg = s[0] === "-";
    s = s.slice(1);
  }
  if (s === "0") return 0n;
  if (s === "") throw invalid(input, field);
  let total = 0n;
  while (s !== "") {
    // leading integer part
    let i = 0;
    while (i < s.length && s[i]! >= "0" && s[i]! <= "9") i++;
    const intPart = s.slice(0, i);
    s = s.slice(i);
    let fracPart = "";
    if (s[0] === ".") {
      s = s.slice(1);
      let j = 0;
      while (j < s.length && s[j]! >= "0" && s[j]! <= "9") j++;
      fracPart = s.slice(0, j);
      s = s.slice(j);
    }
    if (intPart === "" && fracPart === "") throw invalid(input, field);
    let u = 0;
    while (u < s.length && s[u] !== "." && !(s[u]! >= "0" && s[u]! <= "9")) u++;
    if (u === 0)
      throw new AjcError("invalid_duration", `time: missing unit in duration "${input}"`, { field });
    const unitName = s.slice(0, u);
    s = s.slice(u);
    const unit = UNIT_NS[unitName];
    if (unit === undefined) {
      throw new AjcError("invalid_duration", `time: unknown unit "${unitName}" in duration "${input}"`, {
        field,
      });
    }
    let v = intPart === "" ? 0n : BigInt(intPart);
    if (v > MAX_INT64 / unit) throw invalid(input, field);
    v *= unit;
    if (fracPart !== "") {
      // Go truncates the fraction towards zero after scaling by the unit.
      const scale = 10n ** BigInt(fracPart.length);
      v += (BigInt(fracPart) * unit) / scale;
    }
    total += v;
    if (total > MAX_INT64 + (neg ? 1n : 0n)) throw invalid(input, field);
  }
  return neg ? -total : total;
}

/** Parses a Go duration string into (number) nanoseconds. */
export function parseGoDuration(input: string, field?: string): number {
  return Number(parseGoDurationBig(input, field));
}

function fmtFrac(v: bigint, prec: number): [string, bigint] {
  let out = "";
  let print = false;
  for (let i = 0; i < prec; i++) {
    const digit = v % 10n;
    print = print || digit !== 0n;
    if (print) out = String(digit) + out;
    v /= 10n;
  }
  if (print) out = `.${out}`;
  return [out, v];
}

/** Formats nanoseconds the way Go's `Duration.String()` does: `1h30m0s`, `1.5s`, `300ms`, `0s`. */
export function formatGoDuration(ns: number | bigint): string {
  let d = typeof ns === "bigint" ? ns : BigInt(Math.trunc(ns));
  if (d === 0n) return "0s";
  const neg = d < 0n;
  if (neg) d = -d;
  let out: string;
  if (d < 1_000_000_000n) {
    let prec: number;
    let unit: string;
    if (d < 1_000n) return `${neg ? "-" : ""}${d}ns`;
    if (d < 1_000_000n) {
      prec = 3;
      unit = "µs";
    } else {
      prec = 6;
      unit = "ms";
    }
    const [frac, rest] = fmtFrac(d, prec);
    out = `${rest}${frac}${unit}`;
  } else {
    const [frac, secsTotal] = fmtFrac(d, 9);
    const secs = secsTotal % 60n;
    const minsTotal = secsTotal / 60n;
    out = `${secs}${frac}s`;
    if (minsTotal > 0n) {
      const mins = minsTotal % 60n;
      const hours = minsTotal / 60n;
      out = `${mins}m${out}`;
      if (hours > 0n) out = `${hours}h${out}`;
    }
  }
  return neg ? `-${out}` : out;
}
