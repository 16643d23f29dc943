/**
 * Mends misspelt words with fuse.js: a word that is not a word of the passages
 * (nor its stem) is replaced by the closest word the passages or the training
 * data use, if it is rare beside it. Bounded on purpose:
 * - only words of 5-20 letters (short words fuzzy-match everything; an overlong
 *   "word" is not one and would cost time);
 * - the first letter kept (typos rarely change it; real words that merely look
 *   alike do: "backed" is not "hacked");
 * - at most one edit for words of up to 6 letters, two for longer ones, where
 *   swapping two neighbouring letters is one edit ("cookeis", "pirvacy"): fuse's
 *   Bitap score counts a swap as two, which kept those from being mended while
 *   letting "delte" become "detect" (three edits).
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
/** A word of the training data is a target of mending once used this often. */
const MIN_EVERYDAY_COUNT = 3;
/**
 * A word the training data uses is mended only to a word written this many times more often: the data holds
 * typos on purpose ("adress" 12 times beside "address" 116), and real words that are near neighbours are
 * written at similar rates ("deleted" 14, "delete" 67).
 */
const MORE_OFTEN = 8;
/** Candidates fuse proposes before edit distance decides. */
const CANDIDATES = 12;

/** Edits a word of this length may be away from the word it is mended to. */
const allowedEdits = (length: number): number => (length <= 6 ? 1 : 2);

/**
 * `texts`: the passages' words, which mending aims at. `everyday`: more text (the training data) whose common
 * words are also written on purpose ("delete", "hacked" are rare in a policy) and are aimed at too, and from which
 * the splitter learns which words people run together ("my", "give", "do").
 */
export function createSpeller(texts: readonly string[], everyday: readonly string[] = []): Speller {
  const counts = new Map<string, number>();
  for (const t of texts) for (const w of latinWords(t)) counts.set(w, (counts.get(w) ?? 0) + MIN_EVERYDAY_COUNT);
  for (const t of everyday) for (const w of latinWords(t)) counts.set(w, (counts.get(w) ?? 0) + 1);
  const policyWords = new Set(texts.flatMap(latinWords));
  const policyStems = new Set([...policyWords].map(stem));
  const words = new Set([...counts].filter(([, n]) => n >= MIN_EVERYDAY_COUNT).map(([w]) => w));
  const fuse = new Fuse([...words].filter((w) => w.length >= 3), { includeScore: true, ignoreLocation: true, threshold: 0.4 });
  const splitter = everyday.length > 0 ? createWordSplitter([...texts, ...everyday]) : undefined;
  const cache = new Map<string, string>();
  const mendWord = (word: string): string => {
    if (word.length > MAX_LENGTH || policyWords.has(word) || policyStems.has(stem(word))) return word;
    const known = cache.get(word);
    if (known !== undefined) return known;
    const mended = splitter?.split(word)?.join(' ') ?? (word.length < MIN_LENGTH ? word : closestWord(word));
    if (cache.size < 10_000) cache.set(word, mended);
    return mended;
  };
  const closestWord = (word: string): string => {
    const candidates = new Set([...fuse.search(word, { limit: CANDIDATES }).map((r) => r.item), ...swapsOf(word).filter((w) => words.has(w))]);
    const least = words.has(word) ? MORE_OFTEN * counts.get(word)! : 0;
    let best: { word: string; edits: number; count: number } | undefined;
    for (const candidate of candidates) {
      if (candidate === word || candidate[0] !== word[0] || Math.abs(candidate.length - word.length) > 2) continue;
      if ((counts.get(candidate) ?? 0) < least) continue;
      const edits = editDistance(word, candidate);
      if (edits > allowedEdits(word.length)) continue;
      const count = counts.get(candidate) ?? 0;
      // Fewest edits, then the word people write most, then the alphabet (deterministic).
      if (!best || edits < best.edits || (edits === best.edits && (count > best.count || (count === best.count && candidate < best.word)))) {
        best = { word: candidate, edits, count };
      }
    }
    return best?.word ?? word;
  };
  return { mend: (text) => text.normalize('NFKC').toLowerCase().replace(LATIN_WORDS, mendWord) };
}

function latinWords(text: string): string[] {
  return text.normalize('NFKC').toLowerCase().match(LATIN_WORDS) ?? [];
}

/** The word with each pair of neighbouring letters swapped: the one typo fuse's Bitap search ranks poorly. */
function swapsOf(word: string): string[] {
  const swaps: string[] = [];
  for (let i = 0; i + 1 < word.length; i++) {
    if (word[i] !== word[i + 1]) swaps.push(word.slice(0, i) + word[i + 1] + word[i] + word.slice(i + 2));
  }
  return swaps;
}

/** Levenshtein distance where swapping two neighbouring letters is one edit (optimal string alignment). */
export function editDistance(a: string, b: string): number {
  const rows = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) rows[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, rows[i - 2]![j - 2]! + 1);
      rows[i]![j] = d;
    }
  }
  return rows[a.length]![b.length]!;
}
