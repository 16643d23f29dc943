import { describe, expect, it } from 'vitest';
import { firstIdAt, timeOrderedId } from '../../storage/ids.js';

describe('time-ordered row ids', () => {
  it('are version 7 UUIDs that sort in the order they were made, and differ within one millisecond', () => {
    const base = Date.UTC(2026, 11, 1);
    const ids = [base, base + 1, base + 1000, base + 86_400_000, base + 86_400_000].map((t) => timeOrderedId(t));
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(ids.slice(0, 4)).toEqual([...ids.slice(0, 4)].sort());
    expect(ids[3]).not.toBe(ids[4]);
    // The timestamp is the first 48 bits.
    expect(parseInt(ids[1]!.replace(/-/g, '').slice(0, 12), 16)).toBe(base + 1);
  });

  it('never repeat within one millisecond, across refills of their random pool', () => {
    const ids = Array.from({ length: 1000 }, () => timeOrderedId(Date.UTC(2026, 11, 1)));
    expect(new Set(ids).size).toBe(1000);
  });

  it('bound time ranges: every id made at a millisecond sorts between its first id and the next one', () => {
    const at = Date.UTC(2026, 11, 1, 12);
    for (let i = 0; i < 200; i++) {
      const id = timeOrderedId(at);
      expect(id >= firstIdAt(at) && id < firstIdAt(at + 1)).toBe(true);
    }
    expect(timeOrderedId(at - 1) < firstIdAt(at)).toBe(true);
  });
});
