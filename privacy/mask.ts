/**
 * Finds and masks personal data that users type: Chinese resident ID card
 * numbers, bank card numbers, phone numbers and e-mail addresses. Used by the
 * logger, transcripts and handoff summaries, and by flows to notice a number
 * the user should not have sent.
 */

export type PersonalDataKind = 'idCard' | 'bankCard' | 'phone' | 'email';

export interface PersonalDataMatch {
  readonly kind: PersonalDataKind;
  readonly value: string;
  readonly index: number;
}

// Order matters: an 18-digit ID card number would also look like a bank card,
// and a bank card like a long phone number, so the most specific pattern runs first
// and later patterns skip spans already taken.
const PATTERNS: readonly { kind: PersonalDataKind; re: RegExp }[] = [
  { kind: 'email', re: /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g },
  // PRC resident ID: 6-digit region, birth date, 3-digit sequence, check digit (0-9 or X).
  { kind: 'idCard', re: /(?<![0-9])[1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx](?![0-9])/g },
  // Bank cards: 16-19 digits, optionally grouped by spaces or dashes.
  { kind: 'bankCard', re: /(?<![0-9])\d{4}(?:[ -]?\d{4}){3}(?:[ -]?\d{1,3})?(?![0-9])/g },
  // Phones: mainland mobiles (optionally +86), and other international numbers of 8-15 digits.
  { kind: 'phone', re: /(?:(?:\+|00)86[ -]?)?(?<![0-9])1[3-9]\d(?:[ -]?\d{4}){2}(?![0-9])|\+\d[\d -]{7,16}\d/g },
];

export function findPersonalData(text: string): PersonalDataMatch[] {
  const found: PersonalDataMatch[] = [];
  const taken: [number, number][] = [];
  for (const { kind, re } of PATTERNS) {
    for (const m of text.matchAll(re)) {
      const start = m.index ?? 0;
      const end = start + m[0].length;
      if (taken.some(([s, e]) => start < e && end > s)) continue;
      taken.push([start, end]);
      found.push({ kind, value: m[0], index: start });
    }
  }
  return found.sort((a, b) => a.index - b.index);
}

/** Masks one value so a person can still recognise it: keeps the last 4 digits, or the e-mail's first letter and domain. */
export function maskValue(kind: PersonalDataKind, value: string): string {
  if (kind === 'email') {
    const at = value.indexOf('@');
    return `${value.slice(0, 1)}***${value.slice(at)}`;
  }
  const digits = value.replace(/[^0-9Xx]/g, '');
  const keep = kind === 'idCard' ? 0 : 4; // an ID card number is never shown, not even in part
  return '*'.repeat(Math.max(digits.length - keep, 4)) + digits.slice(digits.length - keep);
}

export function maskPersonalData(text: string): string {
  let out = '';
  let last = 0;
  for (const m of findPersonalData(text)) {
    out += text.slice(last, m.index) + maskValue(m.kind, m.value);
    last = m.index + m.value.length;
  }
  return out + text.slice(last);
}
