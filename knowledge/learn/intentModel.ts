/**
 * The learned half of understanding: a softmax classifier over message
 * features whose classes are the loaded policy's passages, the guided flows,
 * the topics the policy does not cover and small talk.
 *
 * Every passage is a class even with no written data: its title and its own
 * sentences are examples (counting less than written ones), so a policy
 * nobody wrote data for still has a model, and lexical retrieval ranks beside it.
 */
import type { Passage } from '../passage.js';
import type { Tokenizers } from '../search/tokenize.js';
import { visitFeatures, wordGramCount, wordGrams } from './features.js';
import { addRow, finishScores, trainSoftmax, type Evidence, type Example, type SoftmaxModel, type SoftmaxOptions } from './softmax.js';

/** Weight of an example derived from the policy's own text, against 1 for a written utterance. */
export const DERIVED_WEIGHT = 0.5;

export interface LabelledText {
  readonly text: string;
  readonly key: string;
  readonly weight: number;
  /** Taken from the policy's own text rather than written as a user would ask. */
  readonly derived?: boolean;
}

export interface IntentModel {
  readonly classes: readonly string[];
  /**
   * Probability per class (same order as `classes`); `terms` when the caller already tokenised the text;
   * `evidence`, when given, receives how strong the scores were before softmax.
   */
  predict(text: string, terms?: readonly string[], evidence?: Evidence): Float64Array;
  /** Whether a search term (tokenize's output) was a word of some training example. */
  knowsWord(term: string): boolean;
}

/** Examples a passage gives by itself: its title, its title in its section, and each of its sentences. */
export function derivedExamples(passages: readonly Passage[]): LabelledText[] {
  const out: LabelledText[] = [];
  for (const p of passages) {
    out.push({ text: p.title, key: p.id, weight: DERIVED_WEIGHT, derived: true });
    if (p.sectionTitle && p.sectionTitle !== p.title) out.push({ text: `${p.sectionTitle} ${p.title}`, key: p.id, weight: DERIVED_WEIGHT, derived: true });
    for (const sentence of sentencesOf(p.text)) out.push({ text: sentence, key: p.id, weight: DERIVED_WEIGHT, derived: true });
  }
  return out;
}

export function sentencesOf(text: string): string[] {
  return (text.match(/[^.;!?。；！？\n]+[.;!?。；！？]?/gu) ?? [])
    .map((s) => s.trim())
    .filter((s) => s.split(/\s+/).length >= 3 || (s.match(/\p{Script=Han}/gu) ?? []).length >= 5);
}

/**
 * Which kinds of feature (features.ts prefixes: w words, b word pairs, r pairs with a small word, m mood, c character
 * n-grams of Latin words, h Chinese characters and pairs, y pinyin) the model learns from; unset, all of them. Only
 * cross-validation's model comparison (`CV_FEATURES`) narrows it: a feature a model never learned is ignored at
 * prediction, so the same `predict` serves every variant.
 */
export type FeatureKinds = ReadonlySet<string>;

export function trainIntentModel(
  examples: readonly LabelledText[], classes: readonly string[], locale: string, tokenizers: Tokenizers, options: Partial<SoftmaxOptions> = {},
  featureKinds?: FeatureKinds,
): IntentModel & { readonly trained: TrainedModel } {
  const classIndex = new Map(classes.map((c, i) => [c, i]));
  const vocabulary = new Map<string, number>();
  const idOf = (feature: string): number => {
    let id = vocabulary.get(feature);
    if (id === undefined) {
      id = vocabulary.size;
      vocabulary.set(feature, id);
    }
    return id;
  };
  // A word's character n-grams are built and looked up once per distinct word, not once per use (most of the
  // features, and words repeat across thousands of lines). Ids are still given in order of first appearance, so
  // the vocabulary and every example's features are what they were feature by feature.
  const gramIdsOfWord = new Map<string, Int32Array>();
  const encoded: Example[] = [];
  // A feature counts once per example: `lastSeen[id]` holds the number of the example that last took it (cheaper
  // than a Set per example, and the order of first appearance is kept the same).
  const lastSeen: number[] = [];
  const ids: number[] = [];
  let n = 0;
  const take = (id: number): void => {
    if (lastSeen[id] === n) return;
    lastSeen[id] = n;
    ids.push(id);
  };
  const visitor = {
    feature(name: string): void {
      if (!featureKinds || featureKinds.has(name[0]!)) take(idOf(name));
    },
    latinWord(word: string): void {
      if (featureKinds && !featureKinds.has('c')) return;
      let grams = gramIdsOfWord.get(word);
      if (!grams) gramIdsOfWord.set(word, (grams = Int32Array.from(wordGrams(word), idOf)));
      for (const id of grams) take(id);
    },
  };
  for (; n < examples.length; n++) {
    const ex = examples[n]!;
    const label = classIndex.get(ex.key);
    if (label === undefined) continue;
    ids.length = 0;
    visitFeatures(ex.text, locale, tokenizers, undefined, visitor);
    encoded.push({ features: Int32Array.from(ids), label, weight: ex.weight });
  }
  return intentModelFrom({ classes, vocabulary: [...vocabulary.keys()], model: trainSoftmax(encoded, vocabulary.size, classes.length, options) }, locale, tokenizers);
}

/** What a trained model is, without its behaviour: enough to store it and load it again. */
export interface TrainedModel {
  readonly classes: readonly string[];
  /** Feature strings, in index order. */
  readonly vocabulary: readonly string[];
  readonly model: SoftmaxModel;
}

export function intentModelFrom(trained: TrainedModel, locale: string, tokenizers: Tokenizers): IntentModel & { readonly trained: TrainedModel } {
  const index = new Map(trained.vocabulary.map((f, i) => [f, i]));
  const knownWords = new Set(trained.vocabulary.filter((f) => f.startsWith('w:')).map((f) => f.slice(2)));
  const { weights, bias, numClasses } = trained.model;
  // Prediction is on every turn's path, so it allocates little: a feature counts once (`seen` holds the stamp of
  // the message that last counted it), its weights are added as it comes, and the character n-grams of a word
  // are looked up once per word, not once per message. The sums are training's, in double precision (training's
  // kernel sums in single: the two differ in the last digits, never in which features count or how).
  const seen = new Uint32Array(trained.vocabulary.length);
  let stamp = 0;
  const knownGramsOfWord = new Map<string, Int32Array>();
  const knownGrams = (word: string): Int32Array => {
    let ids = knownGramsOfWord.get(word);
    if (!ids) {
      ids = Int32Array.from(wordGrams(word).map((g) => index.get(g) ?? -1).filter((id) => id >= 0));
      if (knownGramsOfWord.size >= MAX_CACHED_WORDS) knownGramsOfWord.clear();
      knownGramsOfWord.set(word, ids);
    }
    return ids;
  };
  return {
    classes: trained.classes,
    trained,
    predict(text, terms, evidence) {
      if (++stamp === 0xffffffff) {
        seen.fill(0);
        stamp = 1;
      }
      const out = new Float64Array(numClasses);
      let count = 0;
      let visited = 0;
      let known = 0;
      const countOnce = (id: number): void => {
        if (seen[id] === stamp) return;
        seen[id] = stamp;
        count++;
        addRow(weights, id, numClasses, out);
      };
      visitFeatures(text, locale, tokenizers, terms, {
        feature(name) {
          visited++;
          const id = index.get(name);
          if (id !== undefined) {
            known++;
            countOnce(id);
          }
        },
        latinWord(word) {
          const grams = knownGrams(word);
          visited += wordGramCount(word.length);
          known += grams.length;
          for (const id of grams) countOnce(id);
        },
      });
      if (evidence) evidence.knownFeatureShare = visited === 0 ? 1 : Math.min(1, known / visited);
      return finishScores(out, bias, count, evidence);
    },
    knowsWord: (term) => knownWords.has(term),
  };
}

/**
 * Words whose known n-grams a model keeps (about 100 bytes each); past this the cache starts again. Held in this
 * process's memory only, never written or logged: words users typed are not kept anywhere else by it.
 */
const MAX_CACHED_WORDS = 20_000;
