/**
 * Understanding answers to flow prompts, typed or spoken: choices by number,
 * ordinal or name (several at once where allowed), yes/no, phone numbers and
 * e-mail addresses. Word lists come from the locale files (namespace `flows`),
 * so a new synonym is a copy edit, not a code change.
 */
import type { I18n } from '../../i18n/i18n.js';
import { SUPPORTED_LOCALES } from '../../i18n/locale.js';
import { digitsFromSpeech, EN_ORDINALS, ZH_ORDINALS } from '../../voice/spokenNumbers.js';

export interface Choice {
  readonly value: string;
  /** Label first, then synonyms; any of them in the answer picks the choice. */
  readonly words: readonly string[];
}

const norm = (s: string): string => s.normalize('NFKC').toLowerCase().replace(/[.,!?;:。，！？；：、"'“”]/g, ' ').replace(/\s+/g, ' ').trim();

/** Every locale's list for a key: a caller in a Chinese conversation may still say "yes". */
export function wordsOf(i18n: I18n, key: string): string[] {
  return SUPPORTED_LOCALES.flatMap((l) => {
    const v = i18n.getFixedT(l, 'flows')(key, { returnObjects: true }) as unknown;
    return Array.isArray(v) ? v.map(String) : [];
  });
}

function containsWord(said: string, word: string): boolean {
  const w = norm(word);
  if (w === '') return false;
  if (/\p{Script=Han}/u.test(w)) return said.includes(w);
  return ` ${said} `.includes(` ${w} `);
}

/** Numbers and ordinals the answer names: "2", "two", "the second one", "第二个", "1 and 3". */
function positions(raw: string): number[] {
  const out: number[] = [];
  // "the second one": "one" there is a pronoun, not the first option.
  const said = raw.replace(/\b(first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|last) ones?\b/g, '$1');
  for (const m of said.matchAll(/第?\s*([一二两三四五六七八九]|最后)\s*(?:个|项|种|条|号)?|(\d{1,2})|([a-z]+)/gu)) {
    const [, zh, digits, word] = m;
    if (digits) out.push(Number(digits));
    else if (zh) out.push(ZH_ORDINALS[zh]!);
    else if (word && EN_ORDINALS[word] !== undefined) out.push(EN_ORDINALS[word]!);
  }
  return out;
}

/**
 * The choices an answer picks. Names win over numbers ("phone number" picks
 * phone, not option "number"); a bare number or ordinal picks by position.
 */
export function recognizeChoices(text: string, choices: readonly Choice[], { multiple = false } = {}): string[] {
  const said = norm(text);
  if (said === '') return [];
  // A tapped button (or its label typed in full) is that choice, whatever other choices' words it contains:
  // "Close my account and erase my data" holds "erase", a word of "Delete some of my data".
  const exact = choices.find((c) => c.words.some((w) => norm(w) === said));
  if (exact) return [exact.value];
  const matched = choices
    .map((c, i) => ({ value: c.value, i, longest: Math.max(0, ...c.words.filter((w) => containsWord(said, w)).map((w) => norm(w).length)) }))
    .filter((m) => m.longest > 0);
  // Several named: all of them where several are allowed; otherwise the most specific ("close my account" over "erase").
  const byName = multiple ? matched.map((m) => m.value) : [...matched].sort((a, b) => b.longest - a.longest || a.i - b.i).map((m) => m.value);
  if (byName.length > 0) return multiple ? byName : byName.slice(0, 1);
  // Only when the answer is essentially numbers: "2", "1 and 3", "the second one", "第二个".
  const rest = said.replace(/\b(the|one|number|option|and|or|please|um|uh|i|pick|choose|choice|select)\b|和|跟|还有|选|第|个|项|号|吧|那个|就是/gu, ' ');
  if (/[a-z\p{Script=Han}]{4,}/u.test(rest.replace(new RegExp(`\\b(${Object.keys(EN_ORDINALS).join('|')})\\b`, 'g'), ''))) return [];
  const picked = positions(said)
    .map((n) => (n === -1 ? choices.length : n))
    .filter((n) => n >= 1 && n <= choices.length)
    .map((n) => choices[n - 1]!.value);
  const unique = [...new Set(picked)];
  return multiple ? unique : unique.slice(0, 1);
}

export function recognizeYesNo(text: string, i18n: I18n): boolean | undefined {
  const said = norm(text);
  if (said === '') return undefined;
  // Negatives first: "not correct", "不对" contain the positive word.
  if (wordsOf(i18n, 'no').some((w) => containsWord(said, w))) return false;
  if (wordsOf(i18n, 'yes').some((w) => containsWord(said, w))) return true;
  return undefined;
}

/**
 * An answer to a yes/no question: the words, or the number of the option as offered ("Say 1 for yes, 2 for no":
 * "1", "one", "一", "the first one").
 */
export function recognizeConfirmation(text: string, i18n: I18n): boolean | undefined {
  const said = recognizeYesNo(text, i18n);
  if (said !== undefined) return said;
  const [picked] = recognizeChoices(text, [{ value: 'yes', words: [] }, { value: 'no', words: [] }]);
  return picked === undefined ? undefined : picked === 'yes';
}

/** A phone number typed or spoken: mainland mobiles (optionally +86) or international numbers with a leading +. */
export function parsePhone(text: string): string | undefined {
  const digits = digitsFromSpeech(text);
  const mobile = /^(?:\+?86)?(1[3-9]\d{9})$/.exec(digits);
  if (mobile) return mobile[1];
  if (/^\+\d{8,15}$/.test(digits)) return digits;
  if (/^0\d{9,11}$/.test(digits)) return digits; // landline with area code
  return undefined;
}

/** An e-mail address, also when spoken ("li dot wei at example dot com", "艾特"). */
export function parseEmail(text: string): string | undefined {
  const spoken = text.normalize('NFKC').toLowerCase()
    .replace(/\s+(at|艾特)\s+|艾特/g, '@').replace(/\s+(dot|点)\s+/g, '.').replace(/\s+/g, ' ').trim();
  const m = /[a-z0-9._%+-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}/i.exec(spoken.replace(/\s*@\s*/g, '@').replace(/\s*\.\s*/g, '.'));
  return m ? m[0] : undefined;
}

/** Why an e-mail-looking answer is not one, for the re-ask. */
export function emailProblem(text: string): 'noAt' | 'noDomain' | undefined {
  if (!/@|\bat\b|艾特/.test(text)) return 'noAt';
  return parseEmail(text) ? undefined : 'noDomain';
}
