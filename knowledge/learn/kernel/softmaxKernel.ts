/**
 * The WebAssembly SIMD loops of softmax training (softmax.wat), loaded once per thread. Compiled code in
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
  /** out[c] (float32) = sum of weights[f * P + c] over the n features at byte `feat`, for every c < P. */
  scores(feat: number, n: number, P: number, weights: number, out: number): void;
  /** AdaGrad with L2 on the n features' rows, for the classes whose mask lane is all ones. */
  update(feat: number, n: number, P: number, weights: number, sums: number, grad: number, mask: number, lr: number, l2: number): void;
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
