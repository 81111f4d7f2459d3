/** ULIDs for task and event ids. */
import { encodeTime, incrementBase32 } from "ulid";

const ENCODING = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const RANDOM_LEN = 16;

const pool = new Uint8Array(1024);
let next = pool.length;

/** One random base-32 character; bytes come from the system's CSPRNG a kilobyte at a time. */
function randomChar(): string {
  if (next >= pool.length) {
    crypto.getRandomValues(pool);
    next = 0;
  }
  // 256 is a multiple of 32: every character is equally likely.
  return ENCODING[pool[next++]! & 31]!;
}

let lastMs = Number.NaN;
let lastTime = "";
let lastRandom = "";

/**
 * A new ULID for `nowMs` (default now). Within one millisecond the random part of the previous id
 * is counted up (as ulid's monotonic factory does), so ids made in the same millisecond are unique
 * and in order; a new millisecond draws a new random part. The time part is always `nowMs`, even
 * when a clock steps back. Cheaper than `ulid()`, which detects the PRNG and draws a random byte
 * per character on every call.
 */
export function newUlid(nowMs: number = Date.now()): string {
  if (nowMs === lastMs) {
    lastRandom = incrementBase32(lastRandom);
  } else {
    lastTime = encodeTime(nowMs);
    lastMs = nowMs;
    let r = "";
    for (let i = 0; i < RANDOM_LEN; i++) r += randomChar();
    lastRandom = r;
  }
  return lastTime + lastRandom;
}
