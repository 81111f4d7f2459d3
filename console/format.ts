/** Turning API values into text for people: payload bytes, times, nanosecond durations. */

/** A payload decoded for display: pretty JSON, UTF-8 text, or hex. */
export interface Decoded {
  kind: "none" | "json" | "text" | "hex";
  text: string;
  bytes: number;
}

function base64Bytes(b64: string): Uint8Array {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** Decodes a base64 payload: JSON pretty-printed, else text when it is valid UTF-8, else hex. */
export function decodePayload(b64: string | null | undefined): Decoded {
  if (b64 === null || b64 === undefined || b64 === "") return { kind: "none", text: "", bytes: 0 };
  let bytes: Uint8Array;
  try {
    bytes = base64Bytes(b64);
  } catch {
    return { kind: "text", text: b64, bytes: b64.length };
  }
  let text: string | undefined;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    text = undefined;
  }
  if (text !== undefined) {
    try {
      return { kind: "json", text: JSON.stringify(JSON.parse(text), null, 2), bytes: bytes.length };
    } catch {
      // not JSON: plain text
    }
    if (!/[\u0000-\u0008\u000e-\u001f]/.test(text)) return { kind: "text", text, bytes: bytes.length };
  }
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0"));
  const lines: string[] = [];
  for (let i = 0; i < hex.length; i += 16) lines.push(hex.slice(i, i + 16).join(" "));
  return { kind: "hex", text: lines.join("\n"), bytes: bytes.length };
}

/** A JSON value (a result) pretty-printed. */
export const prettyJson = (v: unknown): string => JSON.stringify(v, null, 2) ?? String(v);

/** An RFC 3339 time in the browser's locale, or "" when absent. */
export function fmtTime(t: string | undefined | null): string {
  if (!t) return "";
  const d = new Date(t);
  return Number.isNaN(d.getTime()) ? t : d.toLocaleString();
}

/** "3m ago", "in 2h": how far a time is from now. */
export function fmtRelative(t: Date | string | undefined, now = Date.now()): string {
  if (!t) return "";
  const ms = (typeof t === "string" ? new Date(t) : t).getTime() - now;
  const s = Math.round(Math.abs(ms) / 1000);
  const span =
    s < 60
      ? `${s}s`
      : s < 3600
        ? `${Math.round(s / 60)}m`
        : s < 86400
          ? `${Math.round(s / 3600)}h`
          : `${Math.round(s / 86400)}d`;
  return ms < 0 ? `${span} ago` : `in ${span}`;
}

const UNITS: [string, number][] = [
  ["h", 3600e9],
  ["m", 60e9],
  ["s", 1e9],
  ["ms", 1e6],
  ["µs", 1e3],
  ["ns", 1],
];

/** Nanoseconds as a Go-style duration ("1h30m"); 0 or absent is "unlimited". */
export function fmtNs(ns: number | undefined): string {
  if (!ns || ns <= 0) return "unlimited";
  let rest = ns;
  let out = "";
  for (const [unit, size] of UNITS) {
    const n = Math.floor(rest / size);
    if (n > 0) {
      out += `${n}${unit}`;
      rest -= n * size;
    }
  }
  return out;
}

/** -1 or absent is unlimited. */
export const fmtLimit = (n: number | undefined): string =>
  n === undefined || n < 0 ? "unlimited" : String(n);

/** Bytes in a unit people read. */
export function fmtBytes(n: number | undefined): string {
  if (n === undefined) return "";
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

/** UTF-8 text as standard padded base64 (for payload_base64). */
export function textToBase64(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin);
}
