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

/** 1<<63: Go accumulates the magnitude as a uint64 and allows exactly this much for a negative duration. */
const INT64_LIMIT = 1n << 63n;

function invalid(s: string, field?: string): AjcError {
  return new AjcError("invalid_duration", `time: invalid duration "${s}"`, { field });
}

const isDigit = (c: string | undefined) => c !== undefined && c >= "0" && c <= "9";

/** Go's `leadingFraction`: digits after the point, ignoring those that would overflow, and 10^n. */
function leadingFraction(s: string): { f: bigint; scale: number; rest: string } {
  let i = 0;
  let f = 0n;
  let scale = 1;
  let overflow = false;
  for (; i < s.length && isDigit(s[i]); i++) {
    if (overflow) continue;
    if (f > (INT64_LIMIT - 1n) / 10n) {
      overflow = true;
      continue;
    }
    const y = f * 10n + BigInt(s.charCodeAt(i) - 48);
    if (y > INT64_LIMIT) {
      overflow = true;
      continue;
    }
    f = y;
    scale *= 10;
  }
  return { f, scale, rest: s.slice(i) };
}

/**
 * Parses a Go duration string (`300ms`, `1.5h`, `2h45m`, `-1s`, `0`) into nanoseconds, step by step
 * as Go's `time.ParseDuration` does, including its float64 arithmetic for fractions and its
 * overflow rules (the range is exactly int64's).
 */
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
    if (!(s[0] === "." || isDigit(s[0]))) throw invalid(input, field);
    let i = 0;
    let v = 0n;
    for (; i < s.length && isDigit(s[i]); i++) {
      if (v > INT64_LIMIT / 10n) throw invalid(input, field);
      v = v * 10n + BigInt(s.charCodeAt(i) - 48);
      if (v > INT64_LIMIT) throw invalid(input, field);
    }
    const pre = i > 0;
    s = s.slice(i);
    let post = false;
    let f = 0n;
    let scale = 1;
    if (s[0] === ".") {
      s = s.slice(1);
      const frac = leadingFraction(s);
      post = frac.rest.length !== s.length;
      ({ f, scale } = frac);
      s = frac.rest;
    }
    if (!pre && !post) throw invalid(input, field);
    let u = 0;
    while (u < s.length && s[u] !== "." && !isDigit(s[u])) u++;
    if (u === 0) {
      throw new AjcError("invalid_duration", `time: missing unit in duration "${input}"`, { field });
    }
    const unitName = s.slice(0, u);
    s = s.slice(u);
    const unit = UNIT_NS[unitName];
    if (unit === undefined) {
      throw new AjcError("invalid_duration", `time: unknown unit "${unitName}" in duration "${input}"`, {
        field,
      });
    }
    if (v > INT64_LIMIT / unit) throw invalid(input, field);
    v *= unit;
    if (f > 0n) {
      // Go: v += uint64(float64(f) * (float64(unit) / scale)); the same doubles give the same result.
      v += BigInt(Math.trunc(Number(f) * (Number(unit) / scale)));
      if (v > INT64_LIMIT) throw invalid(input, field);
    }
    total += v;
    if (total > INT64_LIMIT) throw invalid(input, field);
  }
  if (neg) return -total;
  if (total > INT64_LIMIT - 1n) throw invalid(input, field);
  return total;
}

/** The largest double that is not above int64's maximum (2^63 - 1 itself rounds up to 2^63). */
const INT64_MAX_DOUBLE = 2 ** 63 - 1024;

/**
 * Parses a Go duration string into (number) nanoseconds. A value within 512ns of int64's maximum
 * would round up to 2^63, which no int64 field (JetStream's max_age, say) accepts: it is brought
 * down to the largest double below.
 */
export function parseGoDuration(input: string, field?: string): number {
  const n = Number(parseGoDurationBig(input, field));
  return Math.min(n, INT64_MAX_DOUBLE);
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
