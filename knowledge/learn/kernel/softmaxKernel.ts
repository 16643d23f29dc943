/**
 * The WebAssembly SIMD step of softmax training (softmax.wat), compiled once per thread. Compiled code in
 * dist/ reads the binary from the source tree, as the knowledge data is read.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const parts = HERE.split(path.sep);
const distAt = parts.lastIndexOf('dist');
const SOURCE = distAt >= 0 ? [...parts.slice(0, distAt), ...parts.slice(distAt + 1)].join(path.sep) : HERE;
export const SOFTMAX_WASM = path.join(SOURCE, 'softmax.wasm');

export interface SoftmaxKernel {
  readonly memory: { readonly buffer: ArrayBuffer; grow(pages: number): number };
  /** Where the arrays are (byte offsets), the row width P and the hyperparameters, once per training. */
  configure(
    P: number, weights: number, sums: number, bias: number, biasSums: number, scores: number, grad: number, mask: number, valid: number,
    learningRate: number, l2: number, ownTarget: number, otherTarget: number, skipGradientBelow: number,
  ): void;
  /** One step of training on the example whose n features are at byte `feat`. */
  step(feat: number, n: number, label: number, weight: number): void;
}

// The project's TypeScript libraries (Node's, no DOM) do not declare WebAssembly's constructors; Node has them.
interface WebAssemblyApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { readonly exports: unknown };
}
const { WebAssembly } = globalThis as unknown as { WebAssembly: WebAssemblyApi };
let compiled: object | undefined;

/** A fresh instance (its own memory): one training at a time uses it. */
export function createSoftmaxKernel(): SoftmaxKernel {
  compiled ??= new WebAssembly.Module(fs.readFileSync(SOFTMAX_WASM));
  return new WebAssembly.Instance(compiled).exports as SoftmaxKernel;
}
