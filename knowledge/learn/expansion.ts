/**
 * What a question's words lead to in a policy that answers it, learned from
 * other policies: "how are users informed of policy changes" is answered by a
 * passage about "notify", "post", "revised", "effective date"; "do you sell
 * my data" by one about "transfer", "merger", "acquisition". A policy nobody
 * wrote data for uses these associations to expand a question before lexical
 * retrieval (a translation model for retrieval, in the spirit of Berger and
 * Lafferty, 1999): the question keeps its own words at full weight and gains
 * the words its kind of question is answered with, at a lower weight.
 *
 * Learned by counting, deterministic: for each question word, how much more
 * often each passage word occurs in the passages that hold the answer than in
 * the other passages of the same policy (`npm run kb -- learn-expansion`).
 */

import { createBm25Index } from '../search/bm25.js';
import { BIGRAM } from '../search/tokenize.js';

/**
 * What a question is looked up by: its words, and its neighbouring word pairs ("third parti", "opt out",
 * "polici chang"), which say more than either word (policy-level CV on PolicyQA dev: 29.5% -> 30.8%).
 */
export function questionKeys(terms: readonly string[]): string[] {
  const words = terms.filter((t) => !t.startsWith(BIGRAM));
  return [...new Set([...words, ...words.slice(1).map((w, i) => `${words[i]} ${w}`)])];
}

/** Question word or word pair → passage words it leads to, with their log-odds weight, best first. */
export type Associations = Readonly<Record<string, readonly (readonly [term: string, weight: number])[]>>;

export interface AnsweredQuestion {
  /** The question's search terms. */
  readonly question: readonly string[];
  /** Every passage of its policy, as search terms. */
  readonly passages: readonly (readonly string[])[];
  /** Indices of the passages that hold the answer. */
  readonly answeredBy: ReadonlySet<number>;
}

export interface LearnOptions {
  /** Associations kept per question word. */
  readonly perWord: number;
  /** Minimum weighted count of answering passages with the word (noise floor). */
  readonly minSupport: number;
  /** Minimum log-odds to keep an association. */
  readonly minWeight: number;
}

export const LEARN_DEFAULTS: LearnOptions = Object.freeze({ perWord: 20, minSupport: 3, minWeight: 0.7 });

export function learnAssociations(examples: Iterable<AnsweredQuestion>, options: Partial<LearnOptions> = {}): Associations {
  const { perWord, minSupport, minWeight } = { ...LEARN_DEFAULTS, ...options };
  // For each question word: expected presence of each passage word in an answering vs another passage.
  const inAnswer = new Map<string, Map<string, number>>();
  const inOther = new Map<string, Map<string, number>>();
  const add = (m: Map<string, Map<string, number>>, q: string, t: string, v: number): void => {
    const row = m.get(q) ?? new Map<string, number>();
    row.set(t, (row.get(t) ?? 0) + v);
    m.set(q, row);
  };
  for (const ex of examples) {
    const others = ex.passages.length - ex.answeredBy.size;
    if (ex.answeredBy.size === 0 || others === 0) continue;
    const sets = ex.passages.map((p) => new Set(p));
    for (const q of questionKeys(ex.question)) {
      sets.forEach((terms, i) => {
        const answers = ex.answeredBy.has(i);
        for (const t of terms) add(answers ? inAnswer : inOther, q, t, answers ? 1 / ex.answeredBy.size : 1 / others);
      });
    }
  }
  const out: Record<string, [string, number][]> = {};
  for (const [q, row] of [...inAnswer].sort(([a], [b]) => a.localeCompare(b))) {
    const other = inOther.get(q);
    const kept = [...row]
      .filter(([t, n]) => t !== q && n >= minSupport)
      .map(([t, n]) => [t, Math.log((n + 1) / ((other?.get(t) ?? 0) + 1))] as [string, number])
      .filter(([, w]) => w >= minWeight)
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
      .slice(0, perWord)
      .map(([t, w]) => [t, Math.round(w * 1000) / 1000] as [string, number]);
    if (kept.length > 0) out[q] = kept;
  }
  return out;
}

/**
 * The question's terms at weight 1 and up to `limit` learned terms, the strongest at `weight` (0 to 1):
 * what lexical retrieval should look for.
 */
export function expandQuestion(terms: readonly string[], associations: Associations, weight: number, limit = 20): Map<string, number> {
  const own = new Set(terms);
  const gained = new Map<string, number>();
  for (const q of questionKeys(terms)) {
    for (const [t, w] of associations[q] ?? []) if (!own.has(t)) gained.set(t, (gained.get(t) ?? 0) + w);
  }
  const strongest = Math.max(0, ...gained.values());
  const out = new Map<string, number>([...own].map((t) => [t, 1]));
  if (strongest <= 0 || weight <= 0) return out;
  for (const [t, w] of [...gained].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, limit)) out.set(t, (weight * w) / strongest);
  return out;
}

export interface ExpansionChoice {
  readonly weight: number;
  readonly limit: number;
  /** Right passage first, policy-level 2-fold cross-validation: without expansion and with the chosen one. */
  readonly plainTop1: number;
  readonly expandedTop1: number;
}

/**
 * Chooses weight and limit by 2-fold cross-validation over policies (learned on half the policies, judged on
 * the other half's questions: unseen policies, as the assistant meets them), by how often lexical retrieval
 * then puts an answering passage first.
 */
export function chooseExpansion(policies: readonly { readonly questions: readonly AnsweredQuestion[] }[]): ExpansionChoice {
  const halves = [policies.filter((_, i) => i % 2 === 0), policies.filter((_, i) => i % 2 === 1)];
  const learned = halves.map((h) => learnAssociations(h.flatMap((p) => p.questions)));
  const top1 = (weight: number, limit: number): number => {
    let right = 0;
    let total = 0;
    halves.forEach((half, h) => {
      for (const policy of half) {
        const first = policy.questions[0];
        if (!first) continue;
        const index = createBm25Index(first.passages.map((tokens, i) => ({ key: String(i), tokens })));
        for (const q of policy.questions) {
          total++;
          let best = -1;
          let bestKey = -1;
          for (const [key, score] of index.scoreWeighted(expandQuestion(q.question, learned[1 - h]!, weight, limit))) {
            if (score > best) [best, bestKey] = [score, Number(key)];
          }
          if (q.answeredBy.has(bestKey)) right++;
        }
      }
    });
    return right / Math.max(total, 1);
  };
  const plainTop1 = top1(0, 0);
  let choice: ExpansionChoice = { weight: 0, limit: 0, plainTop1, expandedTop1: plainTop1 };
  for (const weight of [0.5, 1, 1.5]) {
    for (const limit of [10, 20, 40]) {
      const expandedTop1 = top1(weight, limit);
      if (expandedTop1 > choice.expandedTop1) choice = { weight, limit, plainTop1, expandedTop1 };
    }
  }
  return choice;
}
