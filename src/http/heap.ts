/**
 * Keeps the JavaScript heap of a busy server small. JavaScriptCore lets the heap grow by tens of
 * megabytes of garbage between its own collections on a machine with plenty of RAM, so the
 * resident size of a server under load rose far above what it holds live, and each of those
 * collections paused every request in flight for longer. Here a light check (the heap's size)
 * runs every `everyMs`; once the heap has grown by `stepBytes` since the last collection, a
 * young-generation collection runs at once, short because almost everything a request allocates
 * is dead by then. What survives it (the requests in flight at that moment) is reclaimed by a full
 * collection with its sweep, which also hands emptied blocks back, at most every `FULL_EVERY_MS`.
 */
import { edenGC, gcAndSweep, heapSize } from "bun:jsc";

/** Growth of the heap since the last collection that triggers the next one. */
export const HEAP_STEP_BYTES = 8 * 1024 * 1024;
/** How often the heap's size is checked. */
export const HEAP_CHECK_MS = 20;
/** Shortest time between two full collections. */
export const FULL_EVERY_MS = 500;

/** Starts the check; the returned function stops it. */
export function keepHeapSmall(stepBytes = HEAP_STEP_BYTES, everyMs = HEAP_CHECK_MS): () => void {
  // Below twice the step the heap holds little more than the code and the start-up state.
  const floor = 2 * stepBytes;
  let trigger = floor;
  let lastFull = Number.NEGATIVE_INFINITY;
  const timer = setInterval(() => {
    if (heapSize() < trigger) return;
    edenGC();
    let after = heapSize();
    const now = performance.now();
    if (after > floor && now - lastFull >= FULL_EVERY_MS) {
      gcAndSweep();
      after = heapSize();
      lastFull = now;
    }
    trigger = Math.max(floor, after + stepBytes);
  }, everyMs);
  timer.unref?.();
  return () => clearInterval(timer);
}
