/**
 * Training is deterministic, so a model is a pure function of its inputs:
 * examples, classes, locale, normalisation data and the model code's version.
 * A model trained once is stored under a hash of those inputs and loaded on
 * the next start (and by every test worker) instead of trained again. The
 * cache is disposable: delete it and the next start trains.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Tokenizers } from '../search/tokenize.js';
import { loadTokenizers } from '../search/tokenizers.js';
import { intentModelFrom, trainIntentModel, type IntentModel, type LabelledText, type TrainedModel } from './intentModel.js';
import { SOFTMAX_DEFAULTS } from './softmax.js';

/** Bump when features or training change in a way the inputs' hash cannot see. */
export const MODEL_VERSION = 'softmax-v11-simd-step';

/** One model to train into the cache: its inputs (as the key hashes them) and where it goes. */
export interface ModelJob {
  /** The policy file it is for. */
  readonly file: string;
  readonly examples: readonly LabelledText[];
  readonly classes: readonly string[];
  readonly locale: string;
  /** The normalisation data, as modelKey hashes it. */
  readonly salt: string;
  readonly cacheDir: string;
  /** Where the lexicons are (the tokenizers the features are read with). */
  readonly dataDir: string;
}

/** A model trained (or found) for a start, with the cache file it is stored under. */
export interface CachedModel {
  readonly file: string;
  readonly trained: TrainedModel;
}

/** Trains a job's model and stores it in the cache (or finds it there): what a training worker does. */
export function trainIntoCache(job: ModelJob): CachedModel {
  const { trained } = cachedIntentModel(job.examples, job.classes, job.locale, loadTokenizers(job.dataDir), job.cacheDir, job.salt);
  return { file: modelFile(job.cacheDir, job.examples, job.classes, job.locale, job.salt), trained };
}

export function modelKey(examples: readonly LabelledText[], classes: readonly string[], locale: string, salt: string): string {
  const hash = crypto.createHash('sha256');
  hash.update(`${MODEL_VERSION}\n${JSON.stringify(SOFTMAX_DEFAULTS)}\n${locale}\n${salt}\n${classes.join('\u0001')}\n`);
  for (const e of examples) hash.update(`${e.key}\u0001${e.weight}\u0001${e.text}\n`);
  return hash.digest('hex').slice(0, 24);
}

export function modelFile(cacheDir: string, examples: readonly LabelledText[], classes: readonly string[], locale: string, salt: string): string {
  return path.join(cacheDir, `${locale}-${modelKey(examples, classes, locale, salt)}.model.bin`);
}

/**
 * The model for these inputs: from `inMemory` (models this start has just trained, by cache file: no need to
 * read back what was written a moment ago), else from the cache, else trained and stored there.
 */
export function cachedIntentModel(
  examples: readonly LabelledText[], classes: readonly string[], locale: string, tokenizers: Tokenizers,
  cacheDir: string | undefined, salt: string, inMemory: readonly CachedModel[] = [],
): IntentModel & { readonly trained: TrainedModel } {
  if (!cacheDir) return trainIntentModel(examples, classes, locale, tokenizers);
  const file = modelFile(cacheDir, examples, classes, locale, salt);
  const stored = inMemory.find((m) => m.file === file)?.trained ?? readModelFile(file);
  if (stored) return intentModelFrom(stored, locale, tokenizers);
  const model = trainIntentModel(examples, classes, locale, tokenizers);
  writeModel(file, model.trained);
  return model;
}

/**
 * A model file is binary: a 4-byte length, a JSON header (classes, vocabulary, sizes), padding to a multiple
 * of 4, then the bias and the weights as raw little-endian float32. Reading it is one file read and views on
 * the buffer; the base64-in-JSON it replaces cost ~4x the bytes and a decode on every start.
 */
interface Header {
  classes: string[];
  vocabulary: string[];
  numFeatures: number;
  numClasses: number;
}

/** A stored model, or undefined when the file is absent, unreadable or cut short. */
export function readModelFile(file: string): TrainedModel | undefined {
  try {
    const buf = fs.readFileSync(file);
    const headerLength = buf.readUInt32LE(0);
    const h = JSON.parse(buf.toString('utf8', 4, 4 + headerLength)) as Header;
    let at = align4(4 + headerLength);
    const floats = (n: number): Float32Array => {
      const bytes = buf.subarray(at, at + n * 4);
      at += n * 4;
      if (bytes.length !== n * 4) throw new Error('truncated model file');
      // A view when the buffer is aligned (it is when the file has its own buffer), else a copy.
      return bytes.byteOffset % 4 === 0 ? new Float32Array(bytes.buffer, bytes.byteOffset, n) : new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + n * 4));
    };
    const bias = floats(h.numClasses);
    const weights = floats(h.numFeatures * h.numClasses);
    return { classes: h.classes, vocabulary: h.vocabulary, model: { numFeatures: h.numFeatures, numClasses: h.numClasses, weights, bias } };
  } catch {
    return undefined; // absent, unreadable or truncated: train
  }
}

const align4 = (n: number): number => (n + 3) & ~3;

function writeModel(file: string, trained: TrainedModel): void {
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const { model } = trained;
    const header: Header = { classes: [...trained.classes], vocabulary: [...trained.vocabulary], numFeatures: model.numFeatures, numClasses: model.numClasses };
    const json = Buffer.from(JSON.stringify(header), 'utf8');
    const prefix = Buffer.alloc(align4(4 + json.length));
    prefix.writeUInt32LE(json.length, 0);
    json.copy(prefix, 4);
    const raw = (a: Float32Array): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
    // Written aside and renamed: a second process (another test worker) never reads half a model.
    const temp = `${file}.${process.pid}.tmp`;
    const fd = fs.openSync(temp, 'w');
    try {
      // Part by part, so the weights (megabytes) are not copied into one buffer first.
      for (const part of [prefix, raw(model.bias), raw(model.weights)]) {
        for (let at = 0; at < part.length;) at += fs.writeSync(fd, part, at);
      }
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(temp, file);
  } catch {
    // A read-only checkout still works; it trains on every start.
  }
}
