/**
 * Okapi BM25 over pre-tokenised documents. Plain, because the rest of the
 * pipeline (normalisation, synonyms, segmentation) decides what a term is.
 */
export interface Bm25Doc {
  readonly key: string;
  readonly tokens: readonly string[];
}

export interface Bm25Index {
  /** Scores every document that shares a term with the query. */
  score(queryTokens: readonly string[]): Map<string, number>;
  /** The same with a weight per query term (a question's own words 1, words it was expanded with less). */
  scoreWeighted(query: ReadonlyMap<string, number>): Map<string, number>;
  idf(term: string): number;
  /** The highest idf any term can have here (a term in no document). */
  readonly maxIdf: number;
  has(term: string): boolean;
  readonly vocabulary: ReadonlySet<string>;
}

export const BM25_DEFAULTS = Object.freeze({ k1: 1.2, b: 0.5 });

export function createBm25Index(docs: readonly Bm25Doc[], { k1, b } = BM25_DEFAULTS): Bm25Index {
  const n = docs.length;
  const df = new Map<string, number>();
  const tfs = docs.map((d) => {
    const tf = new Map<string, number>();
    for (const t of d.tokens) tf.set(t, (tf.get(t) ?? 0) + 1);
    for (const t of tf.keys()) df.set(t, (df.get(t) ?? 0) + 1);
    return tf;
  });
  const avgLen = docs.reduce((s, d) => s + d.tokens.length, 0) / Math.max(n, 1);
  const idfOf = (term: string): number => {
    const f = df.get(term) ?? 0;
    return Math.log(1 + (n - f + 0.5) / (f + 0.5));
  };
  // Scoring is on every turn's path: each term keeps its idf and the documents holding it with their tf part,
  // so a query touches only those documents (the sums are the same, term by term in query order).
  const idfs = new Map([...df.keys()].map((t) => [t, idfOf(t)]));
  const postings = new Map<string, { doc: number; tfPart: number }[]>();
  tfs.forEach((tf, i) => {
    for (const [t, f] of tf) {
      let list = postings.get(t);
      if (!list) postings.set(t, (list = []));
      list.push({ doc: i, tfPart: (f * (k1 + 1)) / (f + k1 * (1 - b + (b * docs[i]!.tokens.length) / avgLen)) });
    }
  });
  const sums = new Float64Array(n);
  return {
    idf: (term) => idfs.get(term) ?? idfOf(term),
    maxIdf: idfOf('\u0000'),
    has: (t) => df.has(t),
    vocabulary: new Set(df.keys()),
    score(queryTokens) {
      return this.scoreWeighted(new Map(queryTokens.map((t) => [t, 1])));
    },
    scoreWeighted(query) {
      sums.fill(0);
      for (const [t, weight] of query) {
        const list = postings.get(t);
        if (!list) continue;
        const idf = idfs.get(t)!;
        for (const { doc, tfPart } of list) sums[doc]! += weight * idf * tfPart;
      }
      const scores = new Map<string, number>();
      for (let i = 0; i < n; i++) {
        const s = sums[i]!;
        if (s > 0) scores.set(docs[i]!.key, Math.max(s, scores.get(docs[i]!.key) ?? 0));
      }
      return scores;
    },
  };
}
