/**
 * How much garbage the JavaScript heap may hold. Under steady load V8's own heuristic lets the old generation
 * grow to several times what is live before a full collection: each turn's objects that are still in flight
 * when the young generation is collected (dozens of concurrent turns) are promoted and die there. Measured
 * with `npm run load` (LOAD_SOAK_TURNS): ~60 MiB live, heap ~230-290 MiB, RSS ~360-420 MiB after 50k turns.
 * A growing factor of 1.3 (HEAP_GROWING_PERCENT=30) keeps the heap near 120 MiB and RSS near 245 MiB for a
 * few percent more CPU in more frequent (incremental) full collections. Unlike --max-old-space-size it is no
 * cap: a heap that really needs more still grows.
 */
import v8 from 'node:v8';

export function limitHeapGrowth(percent: number): void {
  if (percent > 0) v8.setFlagsFromString(`--heap-growing-percent=${Math.round(percent)}`);
}
