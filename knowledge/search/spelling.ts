/**
 * Mends misspelt words for lexical retrieval with fuse.js: a word that is not
 * a term of the passages (nor its stem) is replaced by the closest word the
 * passages use. Bounded on purpose: only words of 5-20 letters (short words
 * fuzzy-match everything; an overlong "word" is not one and would cost time),
 * the first letter kept (typos rarely change it; real words that merely look
 * alike do: "backed" is not "hacked"), and nothing is looked up for a word
 * that matched exactly or by stem.
 */
import Fuse from 'fuse.js';
import { stem } from './stem.js';
import { createWordSplitter } from './wordSplit.js';

export interface Speller {
  mend(text: string): string;
}

const LATIN_WORDS = /[a-z][a-z']+/g;
const MIN_LENGTH = 5;
const MAX_LENGTH = 20;
const MAX_SCORE = 0.2;

/**
 * `texts`: the passages' words, which mending aims at. `everyday`: more text to learn which words people run
 * together (the training data: "my", "give", "do" are rare in a policy); without it, words are only mended.
 */
export function createSpeller(texts: readonly string[], everyday: readonly string[] = []): Speller {
  const words = new Set(texts.flatMap((t) => t.normalize('NFKC').toLowerCase().match(LATIN_WORDS) ?? []));
  const stems = new Set([...words].map(stem));
  const fuse = new Fuse([...words].filter((w) => w.length >= 3), { includeScore: true, ignoreLocation: true, threshold: 0.4 });
  const splitter = everyday.length > 0 ? createWordSplitter([...texts, ...everyday]) : undefined;
  const cache = new Map<string, string>();
  const mendWord = (word: string): string => {
    if (word.length > MAX_LENGTH || words.has(word) || stems.has(stem(word))) return word;
    const known = cache.get(word);
    if (known !== undefined) return known;
    const mended = splitter?.split(word)?.join(' ') ?? (word.length < MIN_LENGTH ? word : closestWord(word));
    if (cache.size < 10_000) cache.set(word, mended);
    return mended;
  };
  const closestWord = (word: string): string => {
    const best = fuse.search(word, { limit: 8 })
      .filter((r) => r.item[0] === word[0] && Math.abs(r.item.length - word.length) <= 2 && (r.score ?? 1) <= MAX_SCORE)
      .sort((a, b) => (a.score ?? 1) - (b.score ?? 1))[0];
    return best?.item ?? word;
  };
  return { mend: (text) => text.normalize('NFKC').toLowerCase().replace(LATIN_WORDS, mendWord) };
}
