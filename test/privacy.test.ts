/** Personal data that users type is found, masked, and never reaches a log line. */
import { describe, expect, it } from 'vitest';
import { findPersonalData, maskPersonalData } from '../privacy/mask.js';
import { createLogger } from '../logging/logger.js';

describe('finding personal data', () => {
  it.each([
    ['my ID is 11010519491231002X', 'idCard'],
    ['身份证号110105194912310021', 'idCard'],
    ['card 6222 0212 3456 7890 123', 'bankCard'],
    ['call me on 13812345678', 'phone'],
    ['call +86 138 1234 5678', 'phone'],
    ['mail li.wei@example.com', 'email'],
  ])('%s contains a %s', (text, kind) => {
    expect(findPersonalData(text).map((m) => m.kind)).toEqual([kind]);
  });

  it('leaves ordinary numbers alone', () => {
    expect(findPersonalData('I ordered 3 items on 2022-08-23 for 199 yuan')).toEqual([]);
  });
});

describe('masking', () => {
  it('never shows any digit of an ID card number', () => {
    expect(maskPersonalData('ID 11010519491231002X please')).not.toMatch(/\d{2}/);
  });

  it('keeps the last four digits of a phone so a person can recognise it', () => {
    const masked = maskPersonalData('13812345678');
    expect(masked).toMatch(/5678$/);
    expect(masked).not.toContain('1381234');
  });

  it('keeps the domain of an e-mail address', () => {
    expect(maskPersonalData('li.wei@example.com')).toBe('l***@example.com');
  });
});

describe('masking the same text again', () => {
  it('masks a text with personal data every time, and returns a clean text as it is every time (only clean texts are remembered)', () => {
    const clean = 'How do you protect my personal information? '.repeat(20);
    const phone = `${clean}Call me on 138 1234 5678.`;
    for (let i = 0; i < 3; i++) {
      expect(maskPersonalData(clean)).toBe(clean);
      expect(maskPersonalData(phone)).not.toContain('138 1234');
      expect(maskPersonalData(phone).startsWith(clean)).toBe(true);
    }
    // More distinct clean texts than are remembered: still right afterwards.
    for (let i = 0; i < 1200; i++) expect(maskPersonalData(`question ${'x'.repeat(i % 7)} number ${i}`)).toContain('question');
    expect(maskPersonalData(phone)).not.toContain('138 1234');
  });
});

describe('logger', () => {
  it('masks personal data in messages and fields, and strips control characters', () => {
    const lines: string[] = [];
    const log = createLogger('debug', (l) => lines.push(l)).child('test');
    log.info('user said 13812345678\nFAKE LINE', { note: 'id 11010519491231002X' });
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain('13812345678');
    expect(lines[0]).not.toContain('11010519491231002X');
    expect(JSON.parse(lines[0]!).module).toBe('assistant:test');
  });

  it('writes nothing below its level', () => {
    const lines: string[] = [];
    createLogger('warn', (l) => lines.push(l)).info('quiet');
    expect(lines).toEqual([]);
  });
});
