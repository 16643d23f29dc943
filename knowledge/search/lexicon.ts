/** Per-language normalisation data (knowledge/data/lexicon.<locale>.json), compiled for fast lookup. */
import { stem } from './stem.js';

export interface LexiconData {
  readonly phrases: Readonly<Record<string, string>>;
  readonly synonyms: readonly (readonly string[])[];
  readonly fillers: readonly string[];
  readonly stopwords: readonly string[];
  readonly questionOpeners?: readonly string[];
}

export interface Lexicon {
  /** Longest-first phrase rewrites, applied to normalised text (`rewritePhrases`). */
  readonly phrases: readonly PhraseRewrite[];
  readonly canonical: ReadonlyMap<string, string>;
  readonly drop: ReadonlySet<string>;
  /** Filler phrases, removed (rewritten to a space) before the phrases are rewritten. */
  readonly fillerPhrases: readonly PhraseRewrite[];
}

/**
 * Every occurrence of `literal` becomes `to`. A Latin phrase counts only as whole words ("ip" must not fire inside
 * "ship"); a Han phrase counts anywhere. A plain substring search, not a regular expression: each of a few hundred
 * phrases used to be a Unicode lookbehind expression, whose compilation cost every thread that tokenised (each
 * training worker and the server) about 80 ms at start, and whose scan cost more than the search it replaces.
 */
export interface PhraseRewrite {
  readonly literal: string;
  readonly to: string;
  readonly wholeWords: boolean;
}

export function compileLexicon(data: LexiconData, { latin }: { latin: boolean }): Lexicon {
  // Latin phrases match on word boundaries; Han phrases match anywhere.
  const rewrite = (from: string, to: string): PhraseRewrite => ({ literal: from, to, wholeWords: latin || /^[\x00-\x7f]+$/.test(from) });
  const phrases = Object.entries(data.phrases)
    .filter(([from]) => from.trim() !== '')
    .sort(([a], [b]) => b.length - a.length)
    .map(([from, to]) => rewrite(from.toLowerCase(), ` ${to} `));
  const canonical = new Map<string, string>();
  for (const group of data.synonyms) {
    const head = latin ? stem(group[0]!) : group[0]!;
    for (const word of group) {
      const key = latin ? stem(word) : word;
      if (!canonical.has(key)) canonical.set(key, head); // first group wins: "sold" means share before merger
    }
  }
  const singleFillers = data.fillers.filter((f) => !/\s/.test(f));
  const multiFillers = data.fillers.filter((f) => /\s/.test(f));
  return {
    phrases,
    canonical,
    drop: new Set([...data.stopwords, ...singleFillers].map((w) => w.toLowerCase())),
    fillerPhrases: [
      ...multiFillers.map((f) => rewrite(f, ' ')),
      // Chinese fillers are removed from the text itself: the segmenter may glue them to a neighbour.
      ...(latin ? [] : singleFillers.map((f): PhraseRewrite => ({ literal: f, to: ' ', wholeWords: false }))),
    ],
  };
}

/** `text` with every occurrence of the rewrite's literal (as whole words where it asks for them) replaced, left to right. */
export function rewritePhrase(text: string, { literal, to, wholeWords }: PhraseRewrite): string {
  let at = text.indexOf(literal);
  if (at < 0) return text;
  let out = '';
  let copiedTo = 0;
  while (at >= 0) {
    const end = at + literal.length;
    if (wholeWords && (isWordCharBefore(text, at) || isWordCharAt(text, end))) {
      at = text.indexOf(literal, at + 1);
      continue;
    }
    out += text.slice(copiedTo, at) + to;
    copiedTo = end;
    at = text.indexOf(literal, end);
  }
  return out + text.slice(copiedTo);
}

const WORD_CHAR = /^[\p{L}\p{N}]$/u;

function isWordChar(codePoint: number | undefined): boolean {
  if (codePoint === undefined) return false;
  if (codePoint < 0x80) return (codePoint >= 0x30 && codePoint <= 0x39) || (codePoint >= 0x61 && codePoint <= 0x7a) || (codePoint >= 0x41 && codePoint <= 0x5a);
  return WORD_CHAR.test(String.fromCodePoint(codePoint));
}

/** Whether the character (a whole code point) starting at `at` is a letter or digit. */
const isWordCharAt = (text: string, at: number): boolean => isWordChar(text.codePointAt(at));

/** Whether the character (a whole code point) ending just before `at` is a letter or digit. */
function isWordCharBefore(text: string, at: number): boolean {
  if (at === 0) return false;
  const unit = text.charCodeAt(at - 1);
  const lowSurrogate = unit >= 0xdc00 && unit <= 0xdfff && at >= 2;
  return isWordChar(text.codePointAt(lowSurrogate ? at - 2 : at - 1));
}
