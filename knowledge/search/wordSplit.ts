/**
 * Splits words run together ("givemy", "thirdparties", "doyou") into the words
 * they are made of, as a typist who missed the space bar or a speech
 * transcript that glued them meant them. A unigram model over known words
 * (the policy's and the training data's, with their counts) chooses the most
 * likely split by dynamic programming over the word's positions. Only a word
 * nobody ever wrote whole is split, only into at most three words each seen a
 * few times, so a real word the data lacks ("smartwatch") at worst gains its
 * parts beside it.
 */
const LATIN_WORDS = /[a-z][a-z']*/g;

/** A part must have been seen this often: a rare word (a typo in the data, a name) would split anything. */
const MIN_PART_COUNT = 3;
const MAX_PARTS = 3;
/** Shorter words are left alone: "isit" could be anything, and a short unknown word is more often a typo. */
const MIN_WORD_LENGTH = 4;
/** Longer strings are not words someone glued together (a pasted token, a hash): not worth the search. */
const MAX_WORD_LENGTH = 30;
/** One-letter parts only where English has one-letter words. */
const ONE_LETTER_WORDS = new Set(['i', 'a']);

export interface WordSplitter {
  /** The words `word` was glued from, or undefined when it is a known word or no split is likely. */
  split(word: string): string[] | undefined;
}

export function createWordSplitter(texts: Iterable<string>): WordSplitter {
  const counts = new Map<string, number>();
  for (const text of texts) {
    for (const w of text.normalize('NFKC').toLowerCase().match(LATIN_WORDS) ?? []) counts.set(w, (counts.get(w) ?? 0) + 1);
  }
  let total = 0;
  let longest = 0;
  for (const [w, n] of counts) {
    total += n;
    if (n >= MIN_PART_COUNT) longest = Math.max(longest, w.length);
  }
  const logProbability = (w: string): number | undefined => {
    const n = counts.get(w);
    if (n === undefined || n < MIN_PART_COUNT || (w.length === 1 && !ONE_LETTER_WORDS.has(w))) return undefined;
    return Math.log(n / total);
  };
  return {
    split(word) {
      if (word.length < MIN_WORD_LENGTH || word.length > MAX_WORD_LENGTH || counts.has(word)) return undefined;
      // best[i][k]: the most likely split of word[0, i) into k parts (score, and where its last part starts).
      const best: { score: number; from: number }[][] = Array.from({ length: word.length + 1 }, () => []);
      best[0]![0] = { score: 0, from: -1 };
      for (let end = 1; end <= word.length; end++) {
        for (let start = Math.max(0, end - longest); start < end; start++) {
          const lp = logProbability(word.slice(start, end));
          if (lp === undefined) continue;
          for (let k = 0; k < MAX_PARTS; k++) {
            const before = best[start]![k];
            if (!before) continue;
            const score = before.score + lp;
            const current = best[end]![k + 1];
            if (!current || score > current.score) best[end]![k + 1] = { score, from: start };
          }
        }
      }
      // Fewer parts first (two likely words over three), then the more likely split.
      for (let k = 2; k <= MAX_PARTS; k++) {
        if (!best[word.length]![k]) continue;
        const parts: string[] = [];
        let end = word.length;
        for (let left = k; left > 0; left--) {
          const { from } = best[end]![left]!;
          parts.unshift(word.slice(from, end));
          end = from;
        }
        return parts;
      }
      return undefined;
    },
  };
}
