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

/** A keyword as matched: normalised once, with its script. */
interface PreparedKeyword {
  readonly k: string;
  readonly han: boolean;
}

const HAN = /\p{Script=Han}/u;

function prepare(keywords: readonly string[]): PreparedKeyword[] {
  return keywords.map((raw) => normalizeCommand(raw)).filter((k) => k !== '').map((k) => ({ k, han: HAN.test(k) }));
}

/** `said` is already normalised and not empty. */
function matchesPrepared(said: string, keywords: readonly PreparedKeyword[]): boolean {
  const padded = ` ${said} `;
  return keywords.some(({ k, han }) => {
    if (said === k) return true;
    // Allow a little around the keyword ("cancel please", "请帮我转人工"), not a whole sentence.
    if (han) return said.length - k.length <= 4 && said.includes(k);
    // English: the keyword plus only polite filler ("I need a human please"), so "stop tracking me" is not "stop".
    // The cheap test first: most messages contain none of the keywords.
    if (!padded.includes(` ${k} `)) return false;
    return padded.replace(` ${k} `, ' ').split(' ').filter(Boolean).every((w) => POLITE.has(w));
  });
}

export function matchesKeyword(text: string, keywords: readonly string[]): boolean {
  const said = normalizeCommand(text);
  if (said === '') return false;
  return matchesPrepared(said, prepare(keywords));
}

/**
 * Every command's keywords (all locales), read from i18next and normalised once per i18n instance, not on every
 * message (this runs two or three times a turn). Resources added or removed later rebuild the table.
 */
const keywordTables = new WeakMap<I18n, ReadonlyMap<Command, readonly PreparedKeyword[]>>();
const watched = new WeakSet<I18n>();

function keywordTable(i18n: I18n): ReadonlyMap<Command, readonly PreparedKeyword[]> {
  let table = keywordTables.get(i18n);
  if (!table) {
    table = new Map(COMMANDS.map((command) => {
      const lists = SUPPORTED_LOCALES.map((l) => i18n.getFixedT(l)(`keywords.${command}`, { returnObjects: true }) as unknown);
      return [command, prepare(lists.flatMap((l) => (Array.isArray(l) ? l.map(String) : [])))] as const;
    }));
    if (!watched.has(i18n) && i18n.store) {
      watched.add(i18n);
      const drop = (): void => { keywordTables.delete(i18n); };
      i18n.store.on('added', drop);
      i18n.store.on('removed', drop);
    }
    keywordTables.set(i18n, table);
  }
  return table;
}

/**
 * The last messages' commands, per keyword table: a turn asks about the same text two or three times ("forget"
 * middleware, the root dialog, the desk), with other turns' questions in between.
 */
const recentCommands = new WeakMap<ReadonlyMap<Command, readonly PreparedKeyword[]>, Map<string, Command | null>>();
const RECENT_COMMANDS = 64;

/** Keywords of every locale count: someone in a Chinese conversation may still type "help". */
export function detectCommand(text: string, i18n: I18n): Command | undefined {
  const table = keywordTable(i18n);
  let recent = recentCommands.get(table);
  if (!recent) { recent = new Map(); recentCommands.set(table, recent); }
  const known = recent.get(text);
  if (known !== undefined) return known ?? undefined;
  const command = commandIn(normalizeCommand(text), table);
  if (recent.size >= RECENT_COMMANDS) recent.delete(recent.keys().next().value as string);
  recent.set(text, command ?? null);
  return command;
}

function commandIn(said: string, table: ReadonlyMap<Command, readonly PreparedKeyword[]>): Command | undefined {
  if (said === '') return undefined;
  for (const command of COMMANDS) {
    if (matchesPrepared(said, table.get(command) ?? [])) return command;
  }
  return undefined;
}
