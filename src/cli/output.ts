/** Human output: aligned tables, humanised sizes and durations. */
import { formatGoDuration } from "../core/duration.ts";

/** Renders rows as an aligned table with a header. */
export function table(header: string[], rows: (string | number)[][]): string {
  const cells = [header, ...rows.map((r) => r.map(String))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? "").length)));
  return cells
    .map((r) =>
      r
        .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!)))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

/** 1536 → "1.5 KiB". */
export function humanBytes(n: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${v} B` : `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

/** Nanoseconds for display: "unlimited" for 0 or less, else Go's form (`1h0m0s`). */
export function humanDuration(ns: number, zero = "unlimited"): string {
  return ns <= 0 ? zero : formatGoDuration(ns);
}

/** A count where -1 or 0 means no limit. */
export function humanLimit(n: number): string {
  return n <= 0 ? "unlimited" : String(n);
}

/** Key/value lines, aligned. */
export function keyValues(pairs: [string, string | number | boolean | undefined][]): string {
  const shown = pairs.filter(([, v]) => v !== undefined);
  const w = Math.max(...shown.map(([k]) => k.length));
  return shown.map(([k, v]) => `${k.padStart(w)}: ${v}`).join("\n");
}
