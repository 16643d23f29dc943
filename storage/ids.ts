/**
 * Row ids that sort by creation time: the UUID version 7 layout (RFC 9562), a
 * millisecond timestamp then random bits. A row keyed by one is appended at the
 * right edge of its index, so each insert dirties the page the previous one did
 * (one hot page, kept in SQLite's cache and written once per group commit),
 * where a random UUID lands on any page of a growing index.
 */
import { randomFillSync } from 'node:crypto';

/** Random bytes drawn 4 KiB at a time (one call to the CSPRNG per 256 ids instead of one per id). */
const pool = Buffer.alloc(4096);
let poolOffset = pool.length;
const bytes = Buffer.alloc(16);

export function timeOrderedId(now: number = Date.now()): string {
  if (poolOffset === pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  pool.copy(bytes, 0, poolOffset, poolOffset + 16);
  pool.fill(0, poolOffset, poolOffset + 16); // used bytes are not left behind
  poolOffset += 16;
  // 48-bit big-endian millisecond timestamp.
  let ms = now;
  for (let i = 5; i >= 0; i--) {
    bytes[i] = ms % 256;
    ms = Math.floor(ms / 256);
  }
  bytes[6] = (bytes[6]! & 0x0f) | 0x70; // version 7
  bytes[8] = (bytes[8]! & 0x3f) | 0x80; // RFC 9562 variant
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * The smallest id `timeOrderedId` can make at `ms`: every id made at `ms` or later sorts at or after it, every
 * id made earlier before it (ids compare as text: the timestamp leads, in fixed-width hex). For time ranges
 * over a table keyed by these ids.
 */
export function firstIdAt(ms: number): string {
  const hex = Math.max(0, Math.floor(ms)).toString(16).padStart(12, '0').slice(-12);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-7000-8000-000000000000`;
}
