/**
 * Honest confidence: the probability that the assistant's first choice is
 * right, learned from what cross-validation saw.
 *
 * The classifier's own probabilities are not that: a message about a topic it
 * was never shown still spreads its mass over the classes it knows, and a
 * typo-ridden question the policy does answer can look unsure. So a small
 * logistic regression (stacking) reads signals that tell the two apart (how
 * much mass the passages hold and how it is spread, how many of the message's
 * words the policy uses at all, whether lexical retrieval agrees with the
 * model) and is fitted on held-out folds of the training data (`npm run eval
 * -- --cv 5 --write`), never on the dev set. Its output is the confidence
 * shown with an answer, and the assistant answers only when it clears a
 * threshold chosen by the same cross-validation.
 */
import type { Understood } from './understanding.js';

/** Weights of one logistic regression over `signalsFor`'s features, in that order. */
export interface Calibrator {
  readonly weights: readonly number[];
  readonly bias: number;
}

/**
 * One calibrator per locale, for a passage as first choice. Flows keep their plain probability threshold:
 * cross-validation scored a flow calibrator lower (78.6% against 78.9%), because it learned that questions
 * topped by a flow are often about something else, and so missed requests people phrase as questions.
 */
export type Calibration = Readonly<Record<string, Calibrator>>;

const logit = (p: number): number => {
  const q = Math.min(1 - 1e-6, Math.max(1e-6, p));
  return Math.log(q / (1 - q));
};

/** Names of the features, for reading a calibrator (same order as the values). */
export const SIGNAL_NAMES = [
  'logit top score', 'logit passage mass', 'logit flow mass', 'logit not-covered mass', 'logit small-talk mass',
  'top share of its kind', 'margin to second', 'lexical strength', 'policy word coverage', 'lexical top agrees',
  'log words', 'asks a question',
] as const;

/** What the calibrator reads about the first choice of `u`. */
export function signalsFor(u: Understood): number[] {
  const [top, second] = u.ranked;
  let flowMass = 0;
  let noneMass = 0;
  let smallMass = 0;
  for (const r of u.ranked) {
    if (r.kind === 'flow') flowMass += r.score;
    else if (r.kind === 'none') noneMass += r.score;
    else if (r.kind === 'small') smallMass += r.score;
  }
  const topScore = top?.score ?? 0;
  const kindMass = top?.kind === 'passage' ? u.passageMass : top?.kind === 'flow' ? flowMass : Math.max(topScore, 1e-9);
  return [
    logit(topScore), logit(u.passageMass), logit(flowMass), logit(noneMass), logit(smallMass),
    topScore / Math.max(kindMass, 1e-9), topScore - (second?.score ?? 0),
    Math.min(1.5, u.lexical.strength), u.lexical.coverage, u.lexical.topPassage === top?.key ? 1 : 0,
    Math.log(1 + u.terms.length), u.isQuestion ? 1 : 0,
  ];
}

export function calibratedProbability(calibrator: Calibrator, signals: readonly number[]): number {
  let z = calibrator.bias;
  for (let i = 0; i < signals.length; i++) z += (calibrator.weights[i] ?? 0) * signals[i]!;
  return 1 / (1 + Math.exp(-z));
}

export interface CalibrationRow {
  readonly signals: readonly number[];
  /** The first choice was right. */
  readonly right: boolean;
}

/**
 * Fits a calibrator: L2-regularised logistic regression by full-batch gradient descent with AdaGrad.
 * Deterministic (no sampling), and small enough (a dozen weights, a few thousand rows) to fit in milliseconds.
 */
export function fitCalibrator(rows: readonly CalibrationRow[], { iterations = 400, learningRate = 0.3, l2 = 1e-3 } = {}): Calibrator {
  const d = rows[0]?.signals.length ?? SIGNAL_NAMES.length;
  const w = new Float64Array(d);
  let b = 0;
  const gw = new Float64Array(d);
  const gsw = new Float64Array(d).fill(1e-8);
  let gsb = 1e-8;
  const n = Math.max(rows.length, 1);
  for (let it = 0; it < iterations; it++) {
    gw.fill(0);
    let gb = 0;
    for (const r of rows) {
      let z = b;
      for (let i = 0; i < d; i++) z += w[i]! * r.signals[i]!;
      const err = 1 / (1 + Math.exp(-z)) - (r.right ? 1 : 0);
      gb += err;
      for (let i = 0; i < d; i++) gw[i]! += err * r.signals[i]!;
    }
    for (let i = 0; i < d; i++) {
      const g = gw[i]! / n + l2 * w[i]!;
      gsw[i]! += g * g;
      w[i]! -= (learningRate * g) / Math.sqrt(gsw[i]!);
    }
    const g = gb / n;
    gsb += g * g;
    b -= (learningRate * g) / Math.sqrt(gsb);
  }
  const round = (x: number): number => Math.round(x * 1e4) / 1e4;
  return { weights: [...w].map(round), bias: round(b) };
}
