/**
 * Turns a search result into what the assistant should do: answer from a
 * passage, ask which of two passages was meant, start a guided flow, or say
 * honestly that the policy does not answer it. Pure, so thresholds are easy
 * to test and to tune from `npm run eval`.
 */
import { isUnder } from './passage.js';
import type { SearchHit, SearchResult } from './search/createSearch.js';
import { detectStatedAge } from './detectAge.js';

export type FlowName = 'leakReport' | 'dataRequest' | 'minorConsent';
export const FLOW_NAMES: readonly FlowName[] = ['leakReport', 'dataRequest', 'minorConsent'];

export type Decision =
  | { readonly kind: 'answer'; readonly passageId: string; readonly confidence: number; readonly hits: readonly SearchHit[] }
  | { readonly kind: 'clarify'; readonly options: readonly SearchHit[]; readonly confidence: number }
  | { readonly kind: 'flow'; readonly flow: FlowName; readonly confidence: number; readonly hits: readonly SearchHit[] }
  | { readonly kind: 'fallback'; readonly reason: 'no-terms' | 'low-confidence' | 'not-covered'; readonly confidence: number };

export interface DecideOptions {
  /** Under this confidence the assistant falls back. */
  readonly answerThreshold: number;
  /** Two unrelated passages closer than this (relative score) make a "did you mean". */
  readonly clarifyMargin: number;
  /** A flow must score this much (relative) above the best passage to start… */
  readonly flowLead: number;
  /** …and this much when the message is a question about what Buygogo does ("can you…", "你们会…"). */
  readonly flowLeadForQuestions: number;
  /** How such questions begin, per language (lexicon data). */
  readonly questionOpeners: readonly string[];
}

export const DECIDE_DEFAULTS: DecideOptions = Object.freeze({
  answerThreshold: 0.45,
  clarifyMargin: 0.01,
  flowLead: 0.1,
  flowLeadForQuestions: 0.5,
  questionOpeners: [],
});

/** "Can you disclose my data once I authorise it?" asks about the policy; "someone used my account" reports. */
export function asksAboutPolicy(text: string, openers: readonly string[]): boolean {
  const said = text.normalize('NFKC').toLowerCase().replace(/^[\s,.!?]*(um+|uh+|so|hi|hello|hey|ok|okay|嗯|那个|请问|你好)[\s,，.]*/u, '').trim();
  // A Chinese question that ends in 吗 asks whether something is so; a report or request does not.
  return openers.some((o) => said.startsWith(o)) || /\p{Script=Han}.*吗[\s?？]*$/u.test(said);
}

export function decide(text: string, result: SearchResult, options: DecideOptions): Decision {
  const age = detectStatedAge(text);
  if (age !== undefined && age < 18) {
    return { kind: 'flow', flow: 'minorConsent', confidence: 1, hits: result.hits };
  }
  const [best, second] = result.hits;
  if (!best) return { kind: 'fallback', reason: 'no-terms', confidence: 0 };
  if (best.kind === 'none') return { kind: 'fallback', reason: 'not-covered', confidence: result.confidence };
  if (result.confidence < options.answerThreshold) return { kind: 'fallback', reason: 'low-confidence', confidence: result.confidence };
  if (best.kind === 'flow') {
    // Starting a flow is intrusive: it needs a clear lead over the best passage. When a passage scores
    // about as well ("what does the policy say about minors"), the passage answers and offers the flow.
    const passage = result.hits.find((h) => h.kind === 'passage');
    const lead = passage ? (best.score - passage.score) / best.score : 1;
    const needed = asksAboutPolicy(text, options.questionOpeners) ? options.flowLeadForQuestions : options.flowLead;
    if (lead >= needed) {
      return { kind: 'flow', flow: best.key.slice('flow:'.length) as FlowName, confidence: result.confidence, hits: result.hits };
    }
    return { kind: 'answer', passageId: passage!.key, confidence: result.confidence, hits: result.hits };
  }
  if (
    second?.kind === 'passage' &&
    !isUnder(best.key, second.key) && !isUnder(second.key, best.key) &&
    (best.score - second.score) / best.score < options.clarifyMargin
  ) {
    return { kind: 'clarify', options: [best, second], confidence: result.confidence };
  }
  return { kind: 'answer', passageId: best.key, confidence: result.confidence, hits: result.hits };
}
