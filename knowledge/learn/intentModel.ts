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
import { messageFeatures } from './features.js';
import { predictSoftmax, trainSoftmax, type Example, type SoftmaxModel, type SoftmaxOptions } from './softmax.js';

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
  /** Probability per class (same order as `classes`); `terms` when the caller already tokenised the text. */
  predict(text: string, terms?: readonly string[]): Float64Array;
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

export function trainIntentModel(
  examples: readonly LabelledText[], classes: readonly string[], locale: string, tokenizers: Tokenizers, options: Partial<SoftmaxOptions> = {},
): IntentModel {
  const classIndex = new Map(classes.map((c, i) => [c, i]));
  const vocabulary = new Map<string, number>();
  const encoded: Example[] = [];
  for (const ex of examples) {
    const label = classIndex.get(ex.key);
    if (label === undefined) continue;
    const ids = new Set<number>();
    for (const f of messageFeatures(ex.text, locale, tokenizers)) {
      let id = vocabulary.get(f);
      if (id === undefined) {
        id = vocabulary.size;
        vocabulary.set(f, id);
      }
      ids.add(id);
    }
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
  return {
    classes: trained.classes,
    trained,
    predict(text, terms) {
      const ids = new Set<number>();
      for (const f of messageFeatures(text, locale, tokenizers, terms)) {
        const id = index.get(f);
        if (id !== undefined) ids.add(id);
      }
      return predictSoftmax(trained.model, Int32Array.from(ids));
    },
    knowsWord: (term) => index.has(`w:${term}`),
  };
}
