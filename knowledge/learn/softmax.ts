/**
 * Multinomial logistic regression (softmax) over sparse binary features,
 * trained with AdaGrad and L2 decay. Small and deterministic: the same data
 * and seed give the same weights, so a model can be cached by a hash of its
 * inputs and cross-validation is repeatable.
 */
export interface SoftmaxOptions {
  readonly epochs: number;
  readonly learningRate: number;
  readonly l2: number;
  readonly seed: number;
  /**
   * Share of each example's target spread over all classes (label smoothing): the label's target is
   * 1 - ε + ε/C, every other class's ε/C, so no example is pushed to certainty. Many of the training lines are
   * honestly ambiguous (a question two passages answer, a request phrased as a question), and an overconfident
   * model is wrong with conviction on them. 5-fold CV at fold seeds 0/2: 88.06/88.26% -> 88.57/88.47% at 0.1
   * (0.05: 88.37%; 0.15: 88.21% at seed 2; 0.2: 87.95%; 0.3: 87.08%); raising only the label's target to
   * 1 - ε instead: 88.51/88.30%. Smoothing keeps about 38 of 69 classes moving per example (the ones the model
   * gives almost nothing are pushed up toward ε/C); pushing only down (leaving alone a class below its target) halves
   * that and takes a third off the epochs (Chinese 1.24 -> 0.84 s), at the same 89.9% at the traffic mix and plain
   * 87.1 -> 87.3%, but the confidence separates right from wrong less well (ROC AUC 0.838 -> 0.817): not taken.
   */
  readonly labelSmoothing: number;
}

/**
 * Chosen by 5-fold cross-validation on the training data (single blend, calibrated): learning rate 0.5 -> 0.25
 * and L2 1e-5 -> 6e-5 took CV from 85.7% to 86.8%; 0.2-0.35 and 3e-5-1.5e-4 score within 0.3 of it. Six epochs
 * cost 0.3; per-feature-row AdaGrad (one accumulator per row, a third faster) cost 0.7.
 */
export const SOFTMAX_DEFAULTS: SoftmaxOptions = Object.freeze({ epochs: 8, learningRate: 0.25, l2: 6e-5, seed: 7, labelSmoothing: 0.1 });

export interface Example {
  /** Indices of the features present (each counts once). */
  readonly features: Int32Array;
  readonly label: number;
  /** How much this example counts (derived examples count less than written ones). */
  readonly weight: number;
}

export interface SoftmaxModel {
  readonly numFeatures: number;
  readonly numClasses: number;
  /** Row-major: weights[f * numClasses + c]. */
  readonly weights: Float32Array;
  readonly bias: Float32Array;
}

/**
 * A class whose gradient for an example is below this is not updated for it: most of the cost, none of the
 * signal. 5e-4 rather than 1e-4 since the softer model (learning rate 0.25, L2 6e-5) keeps more classes above
 * 1e-4: training a fifth faster, 5-fold CV 87.07% -> 87.06% (1e-3: 86.99%).
 */
const SKIP_GRADIENT_BELOW = 5e-4;

export function trainSoftmax(examples: readonly Example[], numFeatures: number, numClasses: number, options: Partial<SoftmaxOptions> = {}): SoftmaxModel {
  const { epochs, learningRate, l2, seed, labelSmoothing } = { ...SOFTMAX_DEFAULTS, ...options };
  const other = labelSmoothing / numClasses;
  const own = 1 - labelSmoothing + other;
  const C = numClasses;
  const weights = new Float32Array(numFeatures * C);
  const bias = new Float32Array(C);
  const gradSq = new Float32Array(numFeatures * C).fill(1e-6);
  const biasGradSq = new Float32Array(C).fill(1e-6);
  const probs = new Float64Array(C);
  const activeClass = new Int32Array(C);
  const activeGrad = new Float64Array(C);
  const order = examples.map((_, i) => i);
  const random = mulberry32(seed);
  for (let epoch = 0; epoch < epochs; epoch++) {
    shuffle(order, random);
    for (const i of order) {
      const ex = examples[i]!;
      const scale = 1 / Math.sqrt(Math.max(ex.features.length, 1));
      scores(weights, bias, ex.features, scale, C, probs);
      softmaxInPlace(probs);
      // The classes this example moves, with their gradients; then each feature's row is updated in one
      // contiguous pass (weights[f * C + c] for the active c), which is what keeps training cache-friendly.
      let active = 0;
      for (let c = 0; c < C; c++) {
        const g = (probs[c]! - (c === ex.label ? own : other)) * ex.weight;
        if (Math.abs(g) < SKIP_GRADIENT_BELOW) continue;
        biasGradSq[c]! += g * g;
        bias[c]! -= (learningRate * g) / Math.sqrt(biasGradSq[c]!);
        activeClass[active] = c;
        activeGrad[active++] = g * scale;
      }
      const features = ex.features;
      for (let j = 0; j < features.length; j++) {
        const base = features[j]! * C;
        for (let a = 0; a < active; a++) {
          const k = base + activeClass[a]!;
          const w = weights[k]!;
          const grad = activeGrad[a]! + l2 * w;
          const sq = gradSq[k]! + grad * grad;
          gradSq[k] = sq;
          weights[k] = w - (learningRate * grad) / Math.sqrt(sq);
        }
      }
    }
  }
  return { numFeatures, numClasses, weights, bias };
}

/**
 * out[c] = bias[c] + scale * sum of the features' weights for c. The hot loop of training: eight classes at a
 * time, each summed over the features in local variables, so a class's running sum is not loaded and stored
 * again for every feature (a third of training's time went there). Each class still sums its features in
 * the same order as addRow does, so the scores are the same to the last bit as prediction's.
 */
function scores(weights: Float32Array, bias: Float32Array, features: Int32Array, scale: number, C: number, out: Float64Array): void {
  const n = features.length;
  let c = 0;
  for (; c + 7 < C; c += 8) {
    let a0 = 0, a1 = 0, a2 = 0, a3 = 0, a4 = 0, a5 = 0, a6 = 0, a7 = 0;
    for (let j = 0; j < n; j++) {
      const b = features[j]! * C + c;
      a0 += weights[b]!; a1 += weights[b + 1]!; a2 += weights[b + 2]!; a3 += weights[b + 3]!;
      a4 += weights[b + 4]!; a5 += weights[b + 5]!; a6 += weights[b + 6]!; a7 += weights[b + 7]!;
    }
    out[c] = bias[c]! + a0 * scale; out[c + 1] = bias[c + 1]! + a1 * scale;
    out[c + 2] = bias[c + 2]! + a2 * scale; out[c + 3] = bias[c + 3]! + a3 * scale;
    out[c + 4] = bias[c + 4]! + a4 * scale; out[c + 5] = bias[c + 5]! + a5 * scale;
    out[c + 6] = bias[c + 6]! + a6 * scale; out[c + 7] = bias[c + 7]! + a7 * scale;
  }
  for (; c < C; c++) {
    let a = 0;
    for (let j = 0; j < n; j++) a += weights[features[j]! * C + c]!;
    out[c] = bias[c]! + a * scale;
  }
}

/** out[c] += weights of `feature` for c, four classes a step (V8 does not vectorise; unrolling still halves the loop's overhead). */
export function addRow(weights: Float32Array, feature: number, C: number, out: Float64Array): void {
  const base = feature * C;
  let c = 0;
  for (; c + 3 < C; c += 4) {
    out[c]! += weights[base + c]!;
    out[c + 1]! += weights[base + c + 1]!;
    out[c + 2]! += weights[base + c + 2]!;
    out[c + 3]! += weights[base + c + 3]!;
  }
  for (; c < C; c++) out[c]! += weights[base + c]!;
}

/**
 * Turns the summed weights of `count` distinct features (addRow) into class probabilities, in place, as training
 * scores them; with `evidence`, also tells how strong the scores were before softmax normalised them.
 */
export function finishScores(sums: Float64Array, bias: Float32Array, count: number, evidence?: Evidence): Float64Array {
  const scale = 1 / Math.sqrt(Math.max(count, 1));
  for (let c = 0; c < sums.length; c++) sums[c] = bias[c]! + sums[c]! * scale;
  const logSumExp = softmaxInPlace(sums);
  if (evidence) evidence.logSumExp = logSumExp;
  return sums;
}

/**
 * What the probabilities cannot show: softmax divides by the sum, so a message nothing in training speaks for
 * (all scores low) and one with strong evidence for several classes (all high) can get the same distribution.
 */
export interface Evidence {
  /** log of the sum over classes of exp(score): the negative of the "energy" of out-of-distribution detection. */
  logSumExp: number;
  /** Share of the message's features (words, pairs, character n-grams, sounds) that training had. */
  knownFeatureShare: number;
}

/** Softmax in place; returns log of the sum of exp(v) before it. */
function softmaxInPlace(v: Float64Array): number {
  let max = -Infinity;
  for (const x of v) if (x > max) max = x;
  let sum = 0;
  for (let i = 0; i < v.length; i++) {
    v[i] = Math.exp(v[i]! - max);
    sum += v[i]!;
  }
  for (let i = 0; i < v.length; i++) v[i]! /= sum;
  return max + Math.log(sum);
}

export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffle<T>(items: T[], random: () => number): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
}
