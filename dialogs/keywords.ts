/**
 * Recognises the commands that work at any time (help, cancel, talk to a
 * person, delete this conversation) from the keyword lists in the locale
 * files. A command must be most of the message: "help" and "I need help" are
 * help, but "can customer service help me delete my data" is a request, not a
 * call for the menu.
 */
import type { I18n } from '../i18n/i18n.js';
import { SUPPORTED_LOCALES } from '../i18n/locale.js';

export type Command = 'help' | 'cancel' | 'handoff' | 'more' | 'forget';
// "forget" (delete this conversation) first: it is handled before any dialog runs (privacy/forget.ts).
const COMMANDS: readonly Command[] = ['forget', 'handoff', 'cancel', 'help', 'more'];

const POLITE = new Set(['please', 'pls', 'now', 'thanks', 'thank', 'you', 'i', 'want', 'to', 'would', 'like', 'need', 'a', 'an',
  'the', 'can', 'let', 'me', 'just', 'ok', 'okay', 'this', 'that', 'it', 'all', 'hi', 'hello', 'hey', 'um', 'uh', 'id', "i'd"]);

export function normalizeCommand(text: string): string {
  return text.normalize('NFKC').toLowerCase().replace(/[\s.,!。，！、~…]+/g, ' ').trim();
}

export function matchesKeyword(text: string, keywords: readonly string[]): boolean {
  const said = normalizeCommand(text);
  if (said === '') return false;
  return keywords.some((raw) => {
    const k = normalizeCommand(raw);
    if (k === '') return false;
    if (said === k) return true;
    // Allow a little around the keyword ("cancel please", "请帮我转人工"), not a whole sentence.
    if (/\p{Script=Han}/u.test(k)) return said.includes(k) && said.length - k.length <= 4;
    // English: the keyword plus only polite filler ("I need a human please"), so "stop tracking me" is not "stop".
    const rest = ` ${said} `.replace(` ${k} `, ' ').split(' ').filter(Boolean);
    return ` ${said} `.includes(` ${k} `) && rest.every((w) => POLITE.has(w));
  });
}

/** Keywords of every locale count: someone in a Chinese conversation may still type "help". */
export function detectCommand(text: string, i18n: I18n): Command | undefined {
  for (const command of COMMANDS) {
    const lists = SUPPORTED_LOCALES.map((l) => i18n.getFixedT(l)(`keywords.${command}`, { returnObjects: true }) as unknown);
    const keywords = lists.flatMap((l) => (Array.isArray(l) ? l.map(String) : []));
    if (matchesKeyword(text, keywords)) return command;
  }
  return undefined;
}
