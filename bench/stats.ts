/** Percentiles and number formatting. */

/** The p-th percentile (0..100) of `values` by nearest rank; 0 for none. */
export function percentile(values: ArrayLike<number>, p: number): number {
  if (values.length === 0) return 0;
  const sorted = Float64Array.from(values).sort();
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

export function median(values: number[]): number {
  return percentile(values, 50);
}

/** Rounds to `digits` significant-ish decimals for JSON and tables. */
export function round(n: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

/** Thousands with a thin separator: 12,345. */
export function int(n: number): string {
  return Math.round(n).toLocaleString("en-US");
}

export function ms(n: number): string {
  return n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2);
}

export function mb(n: number): string {
  return n.toFixed(0);
}
