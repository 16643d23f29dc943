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
  /**
   * Longest-first phrase rewrites, applied to normalised text, each with the literal it matches: a text that
   * does not contain the literal is not scanned (most phrases are absent from most texts, and a scan with
   * lookbehind costs far more than a substring search).
   */
  readonly phrases: readonly [RegExp, string, literal: string][];
  readonly canonical: ReadonlyMap<string, string>;
  readonly drop: ReadonlySet<string>;
  readonly fillerPhrases: readonly [RegExp, literal: string][];
}

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export function compileLexicon(data: LexiconData, { latin }: { latin: boolean }): Lexicon {
  // Latin phrases match on word boundaries ("ip" must not fire inside "ship"); Han phrases match anywhere.
  const bounded = (p: string): RegExp =>
    latin || /^[\x00-\x7f]+$/.test(p) ? new RegExp(`(?<![\\p{L}\\p{N}])${escape(p)}(?![\\p{L}\\p{N}])`, 'gu') : new RegExp(escape(p), 'gu');
  const phrases = Object.entries(data.phrases)
    .sort(([a], [b]) => b.length - a.length)
    .map(([from, to]): [RegExp, string, string] => [bounded(from.toLowerCase()), ` ${to} `, from.toLowerCase()]);
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
      ...multiFillers.map((f): [RegExp, string] => [bounded(f), f]),
      // Chinese fillers are removed from the text itself: the segmenter may glue them to a neighbour.
      ...(latin ? [] : singleFillers.map((f): [RegExp, string] => [new RegExp(escape(f), 'gu'), f])),
    ],
  };
}
