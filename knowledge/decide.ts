/**
 * Turns what was understood into what the assistant does: answer from a
 * passage, start a guided flow, reply to small talk, or say honestly that the
 * policy does not answer it. Pure, so the rule is easy to test and its two
 * thresholds are chosen by cross-validation (`npm run eval -- --cv 5`).
 */
import { detectStatedAge } from './detectAge.js';
import { calibratedProbability, signalsFor } from './learn/calibration.js';
import { familyShare, type RankedTarget, type Understood, type UnderstandingSettings } from './learn/understanding.js';

export type FlowName = 'leakReport' | 'dataRequest' | 'minorConsent';
export const FLOW_NAMES: readonly FlowName[] = ['leakReport', 'dataRequest', 'minorConsent'];

/** A ranked target, as replies and agent assist show it. */
export interface SearchHit {
  /** Passage id, `flow:<name>`, `none:<topic>` or `small:<intent>`. */
  readonly key: string;
  readonly kind: RankedTarget['kind'];
  /** Blended probability, 0-1. */
  readonly score: number;
}

export type Decision =
  | {
    readonly kind: 'answer'; readonly passageId: string; readonly confidence: number; readonly hits: readonly SearchHit[]; readonly truncated?: boolean;
    /** A flow to offer beside the answer: the one the story around the question was about (knowledgeBase.ts `route`). */
    readonly offerFlow?: FlowName;
  }
  | { readonly kind: 'clarify'; readonly options: readonly SearchHit[]; readonly confidence: number; readonly truncated?: boolean }
  | { readonly kind: 'flow'; readonly flow: FlowName; readonly confidence: number; readonly hits: readonly SearchHit[]; readonly truncated?: boolean }
  | { readonly kind: 'smallTalk'; readonly intent: string; readonly confidence: number; readonly truncated?: boolean }
  | {
    readonly kind: 'fallback'; readonly reason: 'no-terms' | 'low-confidence' | 'not-covered';
    readonly confidence: number; readonly topic?: string; readonly truncated?: boolean;
  };

const HAS_CONTENT = /[\p{L}\p{N}]/u;

/**
 * Least share of a message's words seen in training for it to start a flow. A fixed rule, not a tuned one:
 * 5-fold CV 84.91% without it, 84.87% with it (two flow utterances in a thousand, both typo-heavy).
 */
export const FLOW_MIN_KNOWN_WORDS = 0.5;

/** Least probability of a not-covered topic for the assistant to say the policy does not cover the message. */
export const KNOWN_TOPIC_PROBABILITY = 0.5;

/** Whether the decision is a fallback the assistant may word as "the policy does not cover that" (else: no reliable answer found). */
export function knownNotCovered(decision: Decision): boolean {
  return decision.kind === 'fallback' && decision.reason === 'not-covered';
}

export function decide(text: string, understood: Understood, settings: UnderstandingSettings): Decision {
  const truncated = understood.truncated;
  const hits: SearchHit[] = understood.ranked.slice(0, 5);
  const age = detectStatedAge(text);
  if (age !== undefined && age < 18) return { kind: 'flow', flow: 'minorConsent', confidence: 1, hits, truncated };
  const top = understood.ranked[0];
  if (!top || !HAS_CONTENT.test(text)) return { kind: 'fallback', reason: 'no-terms', confidence: 0, truncated };
  const calibrated = calibratedConfidence(understood, settings);
  const confidence = calibrated ?? confidenceOf(understood);
  switch (top.kind) {
    case 'none': {
      // "Not covered" is a claim about the policy: made only when the topic holds most of the probability. A
      // topic that merely comes first (gibberish lands somewhere) is a fallback the assistant is unsure of.
      const reason = top.score >= KNOWN_TOPIC_PROBABILITY ? 'not-covered' : 'low-confidence';
      return { kind: 'fallback', reason, topic: top.key.slice('none:'.length), confidence, truncated };
    }
    case 'small':
      if (top.score >= settings.threshold) return { kind: 'smallTalk', intent: top.key.slice('small:'.length), confidence, truncated };
      if (givesWayToPassages(understood)) return decide(text, withoutKinds(understood, ['flow', 'small']), settings);
      return { kind: 'fallback', reason: 'low-confidence', confidence, truncated };
    case 'flow':
      // On a policy nobody wrote data for, a question goes to the policy: the flow's many examples would
      // otherwise take it on a general word ("do you sell my information?" is not a request to delete it).
      if (!understood.passagesHaveData && understood.isQuestion) return decide(text, withoutKinds(understood, ['flow']), settings);
      // A flow is a commitment (a report, a request): not on a message most of whose words nobody ever wrote
      // ("somebody blorped my flimflam" is not a leak report, though "somebody … my …" is how many begin).
      if (understood.knownWordShare < FLOW_MIN_KNOWN_WORDS) return { kind: 'fallback', reason: 'low-confidence', confidence, truncated };
      if (top.score >= settings.flowThreshold) return { kind: 'flow', flow: top.key.slice('flow:'.length) as FlowName, confidence, hits, truncated };
      if (givesWayToPassages(understood)) return decide(text, withoutKinds(understood, ['flow', 'small']), settings);
      return { kind: 'fallback', reason: 'low-confidence', confidence, truncated };
    case 'passage': {
      const share = familyShare(understood.ranked, top.key) / Math.max(understood.passageMass, 1e-9);
      const shareNeeded = understood.passagesHaveData ? settings.shareThreshold : settings.noDataShareThreshold;
      const answers = calibrated !== undefined
        ? calibrated >= settings.calibratedThreshold
        : understood.passageMass >= (understood.passagesHaveData ? settings.threshold : settings.noDataThreshold) && share >= shareNeeded;
      if (answers) {
        return { kind: 'answer', passageId: top.key, confidence, hits, truncated };
      }
      return { kind: 'fallback', reason: 'low-confidence', confidence, truncated };
    }
  }
}

/**
 * The learned probability that the first choice, a passage, is right, when the policy has written data and
 * cross-validation fitted a calibrator for its locale; undefined otherwise.
 */
export function calibratedConfidence(understood: Understood, settings: UnderstandingSettings): number | undefined {
  const top = understood.ranked[0];
  if (!top || !understood.passagesHaveData || top.kind !== 'passage') return undefined;
  const calibrator = settings.calibration?.[understood.locale];
  if (!calibrator) return undefined;
  return Math.round(calibratedProbability(calibrator, signalsFor(understood)) * 1000) / 1000;
}

/**
 * How sure the assistant is of its first choice, 0-1: for a passage, the probability that some passage
 * answers times the share its family holds of that; for anything else, its own probability.
 */
export function confidenceOf(understood: Understood): number {
  const top = understood.ranked[0];
  if (!top) return 0;
  const value = top.kind === 'passage' ? familyShare(understood.ranked, top.key) : top.score;
  return Math.round(value * 1000) / 1000;
}

/**
 * On a policy with no data of its own, a flow or small talk that comes first but too weakly to act on gives way
 * to the passages: the model knows those passages only by their own sentences, and a question phrased unlike
 * them spreads its probability over the classes with many examples (5,000 written requests and greetings). Only
 * for a message whose words are mostly known and some passage shares (not gibberish).
 */
function givesWayToPassages(u: Understood): boolean {
  return !u.passagesHaveData && u.knownWordShare >= FLOW_MIN_KNOWN_WORDS && u.lexical.topPassage !== undefined;
}

/** The same understanding with targets of these kinds taken out and the passages holding their share. */
function withoutKinds(u: Understood, kinds: readonly RankedTarget['kind'][]): Understood {
  const removed = u.ranked.filter((r) => kinds.includes(r.kind)).reduce((sum, r) => sum + r.score, 0);
  const scale = u.passageMass > 0 ? (u.passageMass + removed) / u.passageMass : 1;
  const ranked = u.ranked.filter((r) => !kinds.includes(r.kind)).map((r) => (r.kind === 'passage' ? { ...r, score: r.score * scale } : r))
    .sort((a, b) => b.score - a.score);
  return { ...u, ranked, passageMass: u.passageMass + removed };
}
