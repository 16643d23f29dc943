/**
 * Finds and masks personal data that users type or say: Chinese resident ID
 * card numbers, bank card numbers, phone numbers (mobiles and landlines) and
 * e-mail addresses. Used by the logger, transcripts, tickets and handoff
 * summaries, and by flows to notice a number the user should not have sent.
 *
 * Numbers are found as they are really typed: grouped by spaces, dashes, dots
 * or brackets, in full-width digits, in Chinese numerals (一三八, 幺三八) and
 * spoken English digits ("one three eight", "double five"). E-mail addresses
 * also when spoken ("john dot smith at gmail dot com", "艾特", "点"), in
 * full-width characters, or with spaces around the @.
 *
 * Ordinary numbers (ages, "section 1.2", dates, amounts like 99.5) are left
 * alone: a number is only personal data when all of its digits together have
 * the shape of one of the kinds above.
 */

export type PersonalDataKind = 'idCard' | 'bankCard' | 'phone' | 'email';

export interface PersonalDataMatch {
  readonly kind: PersonalDataKind;
  /** The text as the user wrote it. */
  readonly value: string;
  readonly index: number;
  /** The digits (with a leading + or a final X), or the e-mail address in its usual written form. */
  readonly normalized: string;
}

// ---- normalising (one character for one, so indexes hold in the original) ----

interface Normalized {
  readonly text: string;
}

// Full-width ASCII (！ to ～), the ideographic space, and dashes that users type between digit groups.
const WIDE = /[\uff01-\uff5e\u3000\u2010-\u2015\u2212\u30fc]/;
const WIDE_ALL = new RegExp(WIDE.source, 'g');

function narrow(ch: string): string {
  const code = ch.charCodeAt(0);
  if (code >= 0xff01 && code <= 0xff5e) return String.fromCharCode(code - 0xfee0);
  return code === 0x3000 ? ' ' : '-';
}

/** Full-width characters made ASCII, one for one: every index in the result is the same index in the original. */
function normalize(text: string): Normalized {
  return { text: WIDE.test(text) ? text.replace(WIDE_ALL, narrow) : text };
}

function originalSpan(_n: Normalized, start: number, end: number): [number, number] {
  return [start, end];
}

// ---- e-mail addresses -----------------------------------------------------------

const LOCAL = String.raw`(?<![A-Za-z0-9._%+-])[A-Za-z0-9_%+-][A-Za-z0-9._%+-]{0,63}(?:\s+(?:dot|点)\s+[A-Za-z0-9_%+-]{1,64}){0,4}`;
const DOT = String.raw`(?:\.|\s*点\s*|\s+dot\s+)`;
const LABEL = '[A-Za-z0-9-]{1,63}';
// "@", full-width "＠" (normalised), "艾特", "(at)", "[at]", with or without spaces around.
const SYMBOL_AT = String.raw`\s*(?:@|艾特|\(at\)|\[at\])\s*`;
const EMAIL_SYMBOL = new RegExp(`${LOCAL}${SYMBOL_AT}${LABEL}(?:${DOT}${LABEL}){0,4}${DOT}[A-Za-z]{2,24}(?![A-Za-z0-9-])`, 'gi');
// Spoken "at": only with a domain that ends like a real one, so "look at the site dot something" stays.
const TLDS = 'com|cn|net|org|edu|gov|io|co|me|info|biz|uk|us|hk|tw|jp|de|fr|sg|ca|au';
const EMAIL_SPOKEN = new RegExp(`${LOCAL}\\s+at\\s+${LABEL}(?:${DOT}${LABEL}){0,4}${DOT}(?:${TLDS})(?![A-Za-z0-9-])`, 'gi');

/** An e-mail address as written: "john dot smith at gmail dot com" is john.smith@gmail.com. */
export function canonicalEmail(value: string): string {
  return value.toLowerCase()
    .replace(/\s*(?:@|艾特|\(at\)|\[at\])\s*|\s+at\s+/, '@')
    .replace(/\s+dot\s+|\s*点\s*/g, '.')
    .replace(/\s+/g, '');
}

// ---- numbers --------------------------------------------------------------------

const EN_DIGITS: Record<string, string> = {
  zero: '0', oh: '0', o: '0', one: '1', two: '2', three: '3', four: '4', five: '5', six: '6', seven: '7', eight: '8', nine: '9',
  to: '2', too: '2', for: '4',
};
/** Words that are digits only between other spoken digits ("to", "for", "oh"). */
const WEAK = new Set(['to', 'too', 'for', 'o', 'oh']);
const ZH_DIGITS: Record<string, string> = {
  零: '0', 〇: '0', 洞: '0', 一: '1', 幺: '1', 妖: '1', 二: '2', 两: '2', 三: '3', 四: '4', 五: '5', 六: '6', 七: '7', 八: '8', 九: '9',
};
const TOKEN = /(\d+(?:[Xx](?![A-Za-z]))?)|([零〇洞一幺妖二两三四五六七八九])|\b(zero|oh|o|one|two|three|four|five|six|seven|eight|nine|to|too|for|double|triple)\b/gi;
/** Between two groups of one number: up to three spaces, dashes, dots or brackets ("(021) 6123", "138.1234"). */
const GAP = /^[\s\-.·()]{0,3}$/;
const WORD_GAP = /^[\s\-.,()]{1,3}$/;
/** Dates are never personal numbers, even when they sit next to one. */
const DATE = /(?<!\d)(?:19|20)\d{2}([-/.])(?:0?[1-9]|1[0-2])\1(?:0?[1-9]|[12]\d|3[01])(?!\d)/g;

type TokenType = 'digits' | 'han' | 'word' | 'weak' | 'repeat';
interface Token { start: number; end: number; type: TokenType; digits: string; plus: boolean }

function tokenize(text: string): Token[][] {
  const dates: [number, number][] = [...text.matchAll(DATE)].map((m) => [m.index ?? 0, (m.index ?? 0) + m[0].length]);
  const inDate = (at: number): boolean => dates.some(([s, e]) => at >= s && at < e);
  const runs: Token[][] = [];
  let run: Token[] = [];
  const flush = (): void => {
    if (run.length > 0) runs.push(run);
    run = [];
  };
  for (const m of text.matchAll(TOKEN)) {
    const start = m.index ?? 0;
    const end = start + m[0].length;
    if (inDate(start)) { flush(); continue; }
    const [, ascii, han, word] = m;
    const lower = word?.toLowerCase();
    const type: TokenType = ascii ? 'digits' : han ? 'han' : lower === 'double' || lower === 'triple' ? 'repeat' : WEAK.has(lower!) ? 'weak' : 'word';
    const digits = ascii ? ascii.toUpperCase() : han ? ZH_DIGITS[han]! : type === 'repeat' ? '' : EN_DIGITS[lower!]!;
    const token: Token = { start, end, type, digits, plus: false };
    const prev = run.at(-1);
    if (prev) {
      const gap = text.slice(prev.end, start);
      const spoken = prev.type !== 'digits' && type !== 'digits';
      if (!(GAP.test(gap) || (spoken && WORD_GAP.test(gap)))) flush();
    }
    if (run.length === 0 && type === 'digits' && text[start - 1] === '+') token.plus = true;
    run.push(token);
  }
  flush();
  // "to", "for", "oh" count only between spoken digits; "double"/"triple" only before one.
  const out: Token[][] = [];
  for (const r of runs) {
    let piece: Token[] = [];
    r.forEach((t, i) => {
      const prev = r[i - 1];
      const next = r[i + 1];
      const spokenDigit = (x?: Token): boolean => x?.type === 'word' || x?.type === 'weak';
      const keep = t.type === 'weak' ? spokenDigit(prev) && spokenDigit(next) && (prev?.type === 'word' || next?.type === 'word')
        : t.type === 'repeat' ? next !== undefined && next.type !== 'repeat' && next.digits.length === 1
          : true;
      if (keep) piece.push(t);
      else {
        if (piece.length > 0) out.push(piece);
        piece = [];
      }
    });
    if (piece.length > 0) out.push(piece);
  }
  return out;
}

const ID18 = /^[1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dX]$/;
const ID15 = /^[1-9]\d{7}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}$/;

/** What a sequence of digits is, if it is personal data. */
export function classifyDigits(digits: string, plus = false): Exclude<PersonalDataKind, 'email'> | undefined {
  const n = digits.length;
  if (n < 8 || n > 19) return undefined;
  if (digits.endsWith('X') || digits.endsWith('x')) return n === 18 && /^\d{17}[Xx]$/.test(digits) ? 'idCard' : undefined;
  if (plus) return n <= 15 && /^\d+$/.test(digits) ? 'phone' : undefined;
  if (!/^\d+$/.test(digits)) return undefined;
  if ((n === 18 && ID18.test(digits)) || (n === 15 && ID15.test(digits))) return 'idCard';
  if ((n === 11 || n === 13 || n === 15) && /^(?:0086|86)?1[3-9]\d{9}$/.test(digits)) return 'phone';
  if (n >= 16) return 'bankCard';
  if (n >= 10 && n <= 12 && /^0[1-9]/.test(digits)) return 'phone'; // landline with its area code: 010-12345678, 0592-1234567
  return undefined;
}

const MAX_TOKENS = 30;

function findNumbers(text: string): { start: number; end: number; kind: Exclude<PersonalDataKind, 'email'>; digits: string }[] {
  const found: { start: number; end: number; kind: Exclude<PersonalDataKind, 'email'>; digits: string }[] = [];
  for (const run of tokenize(text)) {
    let i = 0;
    while (i < run.length) {
      // The longest stretch of groups from here that is one personal number.
      let best: { j: number; kind: Exclude<PersonalDataKind, 'email'>; digits: string } | undefined;
      let digits = '';
      let repeat = 1;
      for (let j = i; j < run.length && j < i + MAX_TOKENS; j += 1) {
        const t = run[j]!;
        if (t.type === 'repeat') { repeat = /^t/i.test(text.slice(t.start, t.end)) ? 3 : 2; continue; }
        digits += t.digits.repeat(repeat);
        repeat = 1;
        if (digits.length > 19) break;
        const kind = digits.length >= 8 ? classifyDigits(digits, run[i]!.plus) : undefined;
        if (kind) best = { j, kind, digits };
      }
      if (best) {
        const first = run[i]!;
        found.push({ start: first.plus ? first.start - 1 : first.start, end: run[best.j]!.end, kind: best.kind, digits: (first.plus ? '+' : '') + best.digits });
        i = best.j + 1;
      } else {
        i += 1;
      }
    }
  }
  return found;
}

// ---- finding and masking ------------------------------------------------------------

// ---- a cheap proof that a text holds none ---------------------------------------------

/** What every e-mail pattern above needs: an at sign (or 艾特, "(at)", "[at]"), or a spoken " at ". */
const EMAIL_HINT = /@|艾特|\(at\)|\[at\]|\sat\s/i;
/** Everything that can be a digit of a personal number (TOKEN's alternatives, one at a time). */
const DIGIT_LIKE = /[0-9零〇洞一幺妖二两三四五六七八九]|\b(?:zero|oh|o|one|two|three|four|five|six|seven|eight|nine|to|too|for|double|triple)\b/gi;
const FEWEST_DIGITS = 8;

/**
 * False when the text cannot hold personal data: read as the scan reads it (full-width characters made
 * ASCII), it has nothing an e-mail address needs and fewer possible digits than the shortest personal number
 * has. The count is an upper bound: every digit and number word counts, "double" 1 and "triple" 2 more, and a
 * weak word ("to", "for", "oh") only as far as the scan could keep it: it must stand next to a number word, so
 * at most two weak words per number word. An ordinary English sentence is full of "to" and "for" but has no
 * number words. Most messages and replies are ruled out here.
 */
export function mayHoldPersonalData(original: string): boolean {
  const text = normalize(original).text;
  if (EMAIL_HINT.test(text)) return true;
  let sure = 0;
  let words = 0;
  let weak = 0;
  DIGIT_LIKE.lastIndex = 0;
  for (let m = DIGIT_LIKE.exec(text); m; m = DIGIT_LIKE.exec(text)) {
    const token = m[0].length > 1 || /[a-z]/i.test(m[0]) ? m[0].toLowerCase() : '';
    if (token === '') sure += 1; // a digit or a Chinese numeral
    else if (WEAK.has(token)) weak += 1;
    else if (token === 'double') sure += 1;
    else if (token === 'triple') sure += 2;
    else { sure += 1; words += 1; }
    if (sure + Math.min(weak, 2 * words) >= FEWEST_DIGITS) { DIGIT_LIKE.lastIndex = 0; return true; }
  }
  return false;
}

export function findPersonalData(text: string): PersonalDataMatch[] {
  return mayHoldPersonalData(text) ? scanPersonalData(text) : [];
}

/** The whole scan, without the cheap screen (findPersonalData screens first). */
export function scanPersonalData(text: string): PersonalDataMatch[] {
  const n = normalize(text);
  const found: PersonalDataMatch[] = [];
  const taken: [number, number][] = [];
  const add = (kind: PersonalDataKind, start: number, end: number, normalized: string): void => {
    if (taken.some(([s, e]) => start < e && end > s)) return;
    taken.push([start, end]);
    const [os, oe] = originalSpan(n, start, end);
    found.push({ kind, value: text.slice(os, oe), index: os, normalized });
  };
  for (const re of [EMAIL_SYMBOL, EMAIL_SPOKEN]) {
    for (const m of n.text.matchAll(re)) {
      const start = m.index ?? 0;
      add('email', start, start + m[0].length, canonicalEmail(m[0]));
    }
  }
  for (const m of findNumbers(n.text)) add(m.kind, m.start, m.end, m.digits);
  return found.sort((a, b) => a.index - b.index);
}

/** Masks one value so a person can still recognise it: keeps the last 4 digits, or the e-mail's first letter and domain. */
export function maskValue(kind: PersonalDataKind, value: string): string {
  if (kind === 'email') {
    const email = value.includes('@') ? value : canonicalEmail(value);
    const at = email.indexOf('@');
    return `${email.slice(0, 1)}***${email.slice(at)}`;
  }
  const found = findPersonalData(value).find((m) => m.kind !== 'email');
  const digits = (found?.normalized ?? value).replace(/[^0-9Xx]/g, '').toUpperCase();
  const keep = kind === 'idCard' ? 0 : 4; // an ID card number is never shown, not even in part
  return '*'.repeat(Math.max(digits.length - keep, 4)) + digits.slice(digits.length - keep);
}

function maskMatch(m: PersonalDataMatch): string {
  if (m.kind === 'email') return maskValue('email', m.normalized);
  const digits = m.normalized.replace(/[^0-9X]/g, '');
  const keep = m.kind === 'idCard' ? 0 : 4;
  return '*'.repeat(Math.max(digits.length - keep, 4)) + digits.slice(digits.length - keep);
}

/**
 * Texts found to hold no personal data, remembered: the same answer is masked for the desk transcript every time it
 * is given, and a user's message is masked for the transcript, the Improve event and the conversation memory. Only
 * such texts are kept (nothing that holds personal data), at most CLEAN_TEXTS_MAX of them (then forgotten at once).
 */
const cleanTexts = new Set<string>();
const CLEAN_TEXTS_MAX = 512;

export function maskPersonalData(text: string): string {
  if (cleanTexts.has(text)) return text;
  if (!mayHoldPersonalData(text)) {
    if (cleanTexts.size >= CLEAN_TEXTS_MAX) cleanTexts.clear();
    cleanTexts.add(text);
    return text;
  }
  let out = '';
  let last = 0;
  for (const m of findPersonalData(text)) {
    out += text.slice(last, m.index) + maskMatch(m);
    last = m.index + m.value.length;
  }
  return out + text.slice(last);
}

/** True when the text holds an ID card or bank card number: what the assistant never needs and never keeps. */
export function hasSensitiveNumber(text: string): boolean {
  return findPersonalData(text).some((m) => m.kind === 'idCard' || m.kind === 'bankCard');
}

/**
 * Masks every string inside a JSON-like value (an activity's `value`, `channelData`, attachments):
 * objects and arrays are copied, other values returned as they are.
 */
export function maskDeep<T>(value: T, depth = 0): T {
  if (typeof value === 'string') return maskPersonalData(value) as T;
  if (depth > 32 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => maskDeep(v, depth + 1)) as T;
  if (value instanceof Date) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) out[k] = maskDeep(v, depth + 1);
  return out as T;
}
