/**
 * Multinomial logistic regression (softmax) over sparse binary features,
 * trained with AdaGrad and L2 decay. Small and deterministic: the same data
 * and seed give the same weights, so a model can be cached by a hash of its
 * inputs and cross-validation is repeatable.
 *
 * Each example's step (scores, softmax, gradient, the AdaGrad updates) runs
 * in a WebAssembly SIMD kernel (kernel/softmax.wat), four classes at a time in
 * single precision: the Chinese model's epochs took 1.25 s in JavaScript and
 * take 0.52 s (0.64 s with only the loops over rows in the kernel), and
 * 5-fold CV, dev and every probe set score exactly as before.
 */
import { createSoftmaxKernel } from './kernel/softmaxKernel.js';

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
  const C = numClasses;
  // The kernel's rows are P classes wide (a multiple of its four lanes); the classes past C stay 0 and never move.
  const P = Math.ceil(C / 4) * 4;
  const layout = memoryLayout(examples, numFeatures, P);
  const kernel = createSoftmaxKernel();
  const pages = Math.ceil(layout.bytes / 65536) - kernel.memory.buffer.byteLength / 65536;
  if (pages > 0) kernel.memory.grow(pages);
  const memory = kernel.memory.buffer;
  const featureIds = new Int32Array(memory, layout.features, layout.featureCount);
  examples.forEach((ex, i) => featureIds.set(ex.features, layout.offsets[i]!));
  new Int32Array(memory, layout.valid, P).fill(-1, 0, C);
  const other = labelSmoothing / C;
  kernel.configure(P, layout.weights, layout.sums, layout.bias, layout.biasSums, layout.scores, layout.grad, layout.mask, layout.valid,
    learningRate, l2, 1 - labelSmoothing + other, other, SKIP_GRADIENT_BELOW);
  const order = examples.map((_, i) => i);
  const random = mulberry32(seed);
  for (let epoch = 0; epoch < epochs; epoch++) {
    shuffle(order, random);
    for (const i of order) {
      const ex = examples[i]!;
      kernel.step(layout.features + layout.offsets[i]! * 4, ex.features.length, ex.label, ex.weight);
    }
  }
  // The model keeps C classes a row: the padding goes.
  const padded = new Float32Array(memory, layout.weights, numFeatures * P);
  const weights = new Float32Array(numFeatures * C);
  for (let f = 0, from = 0, to = 0; f < numFeatures; f++, from += P - C) for (let c = 0; c < C; c++) weights[to++] = padded[from++]!;
  return { numFeatures, numClasses, weights, bias: new Float32Array(memory.slice(layout.bias, layout.bias + C * 4)) };
}

/** Where training's arrays live in the kernel's memory (byte offsets), and how many bytes it needs. */
function memoryLayout(examples: readonly Example[], numFeatures: number, P: number) {
  const offsets = new Int32Array(examples.length);
  let featureCount = 0;
  examples.forEach((ex, i) => {
    offsets[i] = featureCount;
    featureCount += ex.features.length;
  });
  const rowsBytes = numFeatures * P * 4;
  const weights = 0;
  const sums = weights + rowsBytes;
  const bias = sums + rowsBytes;
  const biasSums = bias + P * 4;
  const scores = biasSums + P * 4;
  const grad = scores + P * 4;
  const mask = grad + P * 4;
  const valid = mask + P * 4;
  const features = valid + P * 4;
  return { offsets, featureCount, weights, sums, bias, biasSums, scores, grad, mask, valid, features, bytes: features + featureCount * 4 };
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
