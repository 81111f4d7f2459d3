/**
 * RFC 3339 timestamps with nanosecond precision. Go writes `time.Time` as RFC3339Nano; a JS Date
 * keeps only milliseconds, so timestamps stay strings in the model (a task read from Go and saved
 * again keeps its exact `created`, which its signature covers) and are turned into bigint unix
 * nanoseconds when we need to compare or sign.
 */

const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

/** Parses an RFC 3339 timestamp into unix nanoseconds; undefined when it is not one. */
export function parseTimeNs(s: string): bigint | undefined {
  const m = RFC3339.exec(s);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, sec, frac, z, sign, oh, om] = m;
  const month = Number(mo);
  const day = Number(d);
  if (
    month < 1 ||
    month > 12 ||
    day < 1 ||
    day > 31 ||
    Number(h) > 23 ||
    Number(mi) > 59 ||
    Number(sec) > 59
  ) {
    return undefined;
  }
  const ms = Date.UTC(Number(y), month - 1, day, Number(h), Number(mi), Number(sec));
  if (Number.isNaN(ms)) return undefined;
  if (new Date(ms).getUTCDate() !== day) return undefined;
  let ns = BigInt(ms) * 1_000_000n + BigInt((frac ?? "").padEnd(9, "0") || "0");
  if (!z) {
    const offsetNs = BigInt((Number(oh) * 60 + Number(om)) * 60) * 1_000_000_000n;
    ns = sign === "+" ? ns - offsetNs : ns + offsetNs;
  }
  return ns;
}

/** True when `s` is a valid RFC 3339 timestamp. */
export function isTime(s: unknown): s is string {
  return typeof s === "string" && parseTimeNs(s) !== undefined;
}

/** Unix milliseconds of an RFC 3339 timestamp (NaN when invalid). */
export function timeMs(s: string): number {
  const ns = parseTimeNs(s);
  return ns === undefined ? Number.NaN : Number(ns / 1_000_000n);
}

/** Formats unix nanoseconds as Go's RFC3339Nano in UTC: trailing zeros of the fraction dropped. */
export function formatTimeNs(ns: bigint): string {
  let secs = ns / 1_000_000_000n;
  let frac = ns % 1_000_000_000n;
  if (frac < 0n) {
    frac += 1_000_000_000n;
    secs -= 1n;
  }
  const base = new Date(Number(secs) * 1000).toISOString().slice(0, 19);
  const f = frac === 0n ? "" : `.${frac.toString().padStart(9, "0").replace(/0+$/, "")}`;
  return `${base}${f}Z`;
}

/** Formats unix milliseconds as Go's RFC3339Nano in UTC. */
export function formatTimeMs(ms: number): string {
  return formatTimeNs(BigInt(Math.trunc(ms)) * 1_000_000n);
}

/** A clock: unix milliseconds. Passed in wherever logic depends on "now". */
export type Clock = () => number;
export const systemClock: Clock = () => Date.now();
