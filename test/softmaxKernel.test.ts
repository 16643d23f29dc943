/**
 * Softmax training's WebAssembly kernel: the committed binary is what its source compiles to, and training
 * through it learns what the algorithm written out plainly in JavaScript learns.
 */
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SOFTMAX_WASM } from '../knowledge/learn/kernel/softmaxKernel.js';
import { mulberry32, trainSoftmax, type Example, type SoftmaxOptions, SOFTMAX_DEFAULTS } from '../knowledge/learn/softmax.js';
// @ts-expect-error: a plain .mjs build script, without type declarations
import { compileWat } from '../scripts/compileWat.mjs';

describe('the kernel binary', () => {
  it('is what knowledge/learn/kernel/softmax.wat compiles to (run `npm run build:kernel` after editing it)', async () => {
    const compiled = (await compileWat(SOFTMAX_WASM.replace(/\.wasm$/, '.wat'))) as Buffer;
    expect(Buffer.compare(compiled, fs.readFileSync(SOFTMAX_WASM))).toBe(0);
  });
});

/**
 * The training loop as softmax.ts documents it, one weight at a time in double precision: AdaGrad with L2 decay
 * and label smoothing, a class skipped for an example when its gradient is below SKIP (weights and sums untouched).
 */
function referenceTraining(examples: readonly Example[], F: number, C: number, o: SoftmaxOptions, SKIP = 5e-4) {
  const w = new Float64Array(F * C);
  const G = new Float64Array(F * C);
  const bias = new Float64Array(C);
  const biasG = new Float64Array(C).fill(1e-6);
  const other = o.labelSmoothing / C;
  const own = 1 - o.labelSmoothing + other;
  const order = examples.map((_, i) => i);
  const random = mulberry32(o.seed);
  for (let epoch = 0; epoch < o.epochs; epoch++) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    for (const i of order) {
      const ex = examples[i]!;
      const scale = 1 / Math.sqrt(Math.max(ex.features.length, 1));
      const z = Array.from({ length: C }, (_, c) => bias[c]! + scale * [...ex.features].reduce((s, f) => s + w[f * C + c]!, 0));
      const max = Math.max(...z);
      const e = z.map((v) => Math.exp(v - max));
      const total = e.reduce((a, b) => a + b, 0);
      for (let c = 0; c < C; c++) {
        const g = (e[c]! / total - (c === ex.label ? own : other)) * ex.weight;
        if (Math.abs(g) < SKIP) continue;
        biasG[c]! += g * g;
        bias[c]! -= (o.learningRate * g) / Math.sqrt(biasG[c]!);
        for (const f of ex.features) {
          const k = f * C + c;
          const grad = g * scale + o.l2 * w[k]!;
          G[k]! += grad * grad;
          w[k]! -= (o.learningRate * grad) / Math.sqrt(G[k]! + 1e-6);
        }
      }
    }
  }
  return { w, bias };
}

/** A small separable problem: each class has features of its own and shares some with every other class. */
function problem(F: number, C: number, n: number): Example[] {
  const random = mulberry32(3);
  return Array.from({ length: n }, (_, i) => {
    const label = i % C;
    const own = [label * 3, label * 3 + 1, label * 3 + 2].filter(() => random() < 0.8);
    const shared = Array.from({ length: 4 }, () => 3 * C + Math.floor(random() * (F - 3 * C)));
    return { features: Int32Array.from(new Set([...own, ...shared])), label, weight: 0.5 + random() };
  });
}

describe('training through the kernel', () => {
  // 7 classes: the kernel's rows are 8 wide, so one lane of every row is padding that must stay out of the model.
  const F = 40;
  const C = 7;
  const examples = problem(F, C, 120);
  const options = { ...SOFTMAX_DEFAULTS, epochs: 4 };

  it('learns the weights the plain algorithm learns (single against double precision)', () => {
    const model = trainSoftmax(examples, F, C, options);
    const reference = referenceTraining(examples, F, C, options);
    expect(model.weights).toHaveLength(F * C);
    let worst = 0;
    for (let k = 0; k < F * C; k++) worst = Math.max(worst, Math.abs(model.weights[k]! - reference.w[k]!));
    expect(worst).toBeLessThan(1e-4);
    for (let c = 0; c < C; c++) expect(model.bias[c]).toBeCloseTo(reference.bias[c]!, 4);
    // ...and is not trivially zero: it learned something.
    expect(Math.max(...model.weights.map(Math.abs))).toBeGreaterThan(0.1);
  });

  it('classifies the examples it learned from, and trains the same model twice (deterministic)', () => {
    const a = trainSoftmax(examples, F, C, options);
    const b = trainSoftmax(examples, F, C, options);
    expect(Buffer.compare(Buffer.from(a.weights.buffer), Buffer.from(b.weights.buffer))).toBe(0);
    const predicted = (ex: Example): number => {
      const z = Array.from({ length: C }, (_, c) => a.bias[c]! + [...ex.features].reduce((s, f) => s + a.weights[f * C + c]!, 0));
      return z.indexOf(Math.max(...z));
    };
    const right = examples.filter((ex) => predicted(ex) === ex.label).length;
    expect(right / examples.length).toBeGreaterThan(0.9);
  });

  it('touches only the rows of the features an example has', () => {
    // Five more rows than any example uses: a row addressed one off would move them.
    const model = trainSoftmax(examples, F + 5, C, options);
    for (let k = F * C; k < (F + 5) * C; k++) expect(model.weights[k]).toBe(0);
    const used = trainSoftmax(examples, F, C, options);
    expect(model.weights.subarray(0, F * C)).toEqual(used.weights);
  });
});
