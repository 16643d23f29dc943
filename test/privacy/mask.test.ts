/** Masking, table-driven over the formats users really type (test/privacy/formats.ts). */
import { describe, expect, it } from 'vitest';
import { findPersonalData, maskDeep, maskPersonalData, mayHoldPersonalData, scanPersonalData } from '../../privacy/mask.js';
import { FORMATS, ORDINARY } from './formats.js';

describe('personal data formats', () => {
  it('covers at least 32 formats', () => {
    expect(FORMATS.length).toBeGreaterThanOrEqual(32);
  });

  it.each(FORMATS.map((f) => [f.name, f] as const))('%s is found and masked', (_name, f) => {
    expect(findPersonalData(f.text).map((m) => m.kind)).toEqual([f.kind]);
    const masked = maskPersonalData(f.text);
    for (const secret of f.secrets) expect(masked).not.toContain(secret);
    // Masking is stable: masking the masked text changes nothing.
    expect(maskPersonalData(masked)).toBe(masked);
    if (f.kind === 'idCard') expect(masked).not.toMatch(/[0-9０-９]{2}/);
  });

  it.each(ORDINARY.map((t) => [t]))('leaves "%s" alone', (text) => {
    expect(findPersonalData(text)).toEqual([]);
    expect(maskPersonalData(text)).toBe(text);
  });
});

describe('masking', () => {
  it('keeps the last four digits of a phone, also a spoken one', () => {
    expect(maskPersonalData('13812345678')).toBe('*******5678');
    expect(maskPersonalData('call 010-12345678')).toBe('call *******5678');
    expect(maskPersonalData('one three eight one two three four five six seven eight')).toBe('*******5678');
  });

  it('keeps the domain of an e-mail address, also a spoken one', () => {
    expect(maskPersonalData('li.wei@example.com')).toBe('l***@example.com');
    expect(maskPersonalData('john dot smith at gmail dot com')).toBe('j***@gmail.com');
  });

  it('finds several numbers in one message, next to ordinary ones', () => {
    const text = 'On 2022-08-23 I paid 99.5 with card 6222 0212 3456 7890, call 13812345678 or 0592-1234567';
    expect(findPersonalData(text).map((m) => m.kind)).toEqual(['bankCard', 'phone', 'phone']);
    expect(maskPersonalData(text)).toMatch(/^On 2022-08-23 I paid 99\.5 with card \*+7890, call \*+5678 or \*+4567$/);
  });

  it('masks every string inside nested values', () => {
    const masked = maskDeep({ a: ['ID 11010519491231002X'], b: { c: 'mail li.wei@example.com', n: 5 }, d: null });
    expect(JSON.stringify(masked)).not.toMatch(/11010519491231002X|li\.wei/);
    expect(masked.b.n).toBe(5);
  });

  it('does bounded work on an overlong message', () => {
    const started = performance.now();
    // Linear in the length: no pattern backtracks over a long word or a long run of digits.
    for (const text of ['a'.repeat(20_000), '1 '.repeat(10_000), '一'.repeat(20_000), 'a dot '.repeat(4_000), 'one '.repeat(5_000)]) maskPersonalData(text);
    expect(performance.now() - started).toBeLessThan(3000);
  });
});

describe('the cheap screen', () => {
  it('lets every known format through to the whole scan', () => {
    for (const f of FORMATS) expect(mayHoldPersonalData(f.text)).toBe(true);
  });

  it('rules out only texts in which the whole scan finds nothing', () => {
    // Random texts near the edge: short runs of digits, spoken digits, weak words, repeats, e-mail pieces.
    const pieces = ['1', '23', '456', '7', '0', '一', '三八', '幺', '两', 'one', 'two', 'eight', 'oh', 'o', 'to', 'for', 'too',
      'double', 'triple', 'nine', '-', ' ', '  ', '.', '(', ')', '+', 'X', 'at', 'dot', 'gmail', 'com', '点', 'x', 'a', 'cn', '@', '\n'];
    let seed = 42;
    const random = (n: number): number => { seed = (seed * 1103515245 + 12345) % 2 ** 31; return seed % n; };
    let ruledOut = 0;
    for (let i = 0; i < 20_000; i++) {
      const text = Array.from({ length: 1 + random(14) }, () => pieces[random(pieces.length)]!).join(random(2) ? ' ' : '');
      if (mayHoldPersonalData(text)) continue;
      ruledOut++;
      expect(scanPersonalData(text), text).toEqual([]);
    }
    expect(ruledOut).toBeGreaterThan(1000);
  });

  it('rules out ordinary questions and policy answers', () => {
    expect(mayHoldPersonalData('Do you share my data with third parties?')).toBe(false);
    expect(mayHoldPersonalData('你们会记录我的IP地址吗？')).toBe(false);
    expect(mayHoldPersonalData('See section 1.2(3), 第一条, for one or two minutes.')).toBe(false);
  });
});
