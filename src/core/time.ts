/**
 * RFC 3339 timestamps with nanosecond precision. Go writes `time.Time` as RFC3339Nano; a JS Date
 * keeps only milliseconds, so timestamps stay strings in the model (a task read from Go and saved
 * again keeps its exact `created`, which its signature covers) and are turned into bigint unix
 * nanoseconds when we need to compare or sign.
 */

const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

/**
 * Parses an RFC 3339 timestamp into whole unix milliseconds and the nanoseconds past them (0 to
 * 999,999), without BigInt; undefined when it is not one.
 */
export function parseTimeParts(s: string): { ms: number; subNs: number } | undefined {
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
  let ms = Date.UTC(Number(y), month - 1, day, Number(h), Number(mi), Number(sec));
  if (Number.isNaN(ms)) return undefined;
  if (new Date(ms).getUTCDate() !== day) return undefined;
  let subNs = 0;
  if (frac) {
    const f = frac.padEnd(9, "0");
    ms += Number(f.slice(0, 3));
    subNs = Number(f.slice(3));
  }
  if (!z) {
    const offsetMs = (Number(oh) * 60 + Number(om)) * 60_000;
    ms = sign === "+" ? ms - offsetMs : ms + offsetMs;
  }
  return { ms, subNs };
}

/** Parses an RFC 3339 timestamp into unix nanoseconds; undefined when it is not one. */
export function parseTimeNs(s: string): bigint | undefined {
  const p = parseTimeParts(s);
  return p === undefined ? undefined : BigInt(p.ms) * 1_000_000n + BigInt(p.subNs);
}

/**
 * Nanoseconds from the RFC 3339 time `since` to unix milliseconds `nowMs`; undefined when `since`
 * is not a time. Exact (plain numbers while the span fits in 2^53 ns, about 104 days; BigInt beyond).
 */
export function nsSince(since: string, nowMs: number): number | undefined {
  const p = parseTimeParts(since);
  if (p === undefined) return undefined;
  const ns = (nowMs - p.ms) * 1_000_000 - p.subNs;
  if (Number.isSafeInteger(ns)) return ns;
  return Number(BigInt(Math.trunc(nowMs)) * 1_000_000n - (BigInt(p.ms) * 1_000_000n + BigInt(p.subNs)));
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

/** Year 10000: toISOString's fixed form ends here. */
const ISO_MAX_MS = 253_402_300_800_000;

/** Formats unix milliseconds as Go's RFC3339Nano in UTC. */
export function formatTimeMs(ms: number): string {
  const whole = Math.trunc(ms);
  if (whole < 0 || whole >= ISO_MAX_MS) return formatTimeNs(BigInt(whole) * 1_000_000n);
  // "YYYY-MM-DDTHH:MM:SS.mmmZ"; Go drops the fraction's trailing zeros, and the dot with them.
  const iso = new Date(whole).toISOString();
  const frac = whole % 1000;
  if (frac === 0) return `${iso.slice(0, 19)}Z`;
  if (frac % 100 === 0) return `${iso.slice(0, 21)}Z`;
  if (frac % 10 === 0) return `${iso.slice(0, 22)}Z`;
  return iso;
}

/** A clock: unix milliseconds. Passed in wherever logic depends on "now". */
export type Clock = () => number;
