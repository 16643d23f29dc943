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
import { intentModelFrom, trainIntentModel, type IntentModel, type LabelledText, type TrainedModel } from './intentModel.js';
import { SOFTMAX_DEFAULTS } from './softmax.js';

/** Bump when features or training change in a way the inputs' hash cannot see. */
export const MODEL_VERSION = 'softmax-v3-sum-then-scale';

export function modelKey(examples: readonly LabelledText[], classes: readonly string[], locale: string, salt: string): string {
  const hash = crypto.createHash('sha256');
  hash.update(`${MODEL_VERSION}\n${JSON.stringify(SOFTMAX_DEFAULTS)}\n${locale}\n${salt}\n${classes.join('\u0001')}\n`);
  for (const e of examples) hash.update(`${e.key}\u0001${e.weight}\u0001${e.text}\n`);
  return hash.digest('hex').slice(0, 24);
}

export function modelFile(cacheDir: string, examples: readonly LabelledText[], classes: readonly string[], locale: string, salt: string): string {
  return path.join(cacheDir, `${locale}-${modelKey(examples, classes, locale, salt)}.model.json`);
}

export function cachedIntentModel(
  examples: readonly LabelledText[], classes: readonly string[], locale: string, tokenizers: Tokenizers,
  cacheDir: string | undefined, salt: string,
): IntentModel {
  if (!cacheDir) return trainIntentModel(examples, classes, locale, tokenizers);
  const file = modelFile(cacheDir, examples, classes, locale, salt);
  const stored = readModel(file);
  if (stored) return intentModelFrom(stored, locale, tokenizers);
  const model = trainIntentModel(examples, classes, locale, tokenizers) as IntentModel & { trained: TrainedModel };
  writeModel(file, model.trained);
  return model;
}

interface StoredModel {
  classes: string[];
  vocabulary: string[];
  numFeatures: number;
  numClasses: number;
  weights: string;
  bias: string;
}

function readModel(file: string): TrainedModel | undefined {
  try {
    const s = JSON.parse(fs.readFileSync(file, 'utf8')) as StoredModel;
    const floats = (b64: string): Float32Array => {
      const buf = Buffer.from(b64, 'base64');
      return new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
    };
    return { classes: s.classes, vocabulary: s.vocabulary, model: { numFeatures: s.numFeatures, numClasses: s.numClasses, weights: floats(s.weights), bias: floats(s.bias) } };
  } catch {
    return undefined; // absent or unreadable: train
  }
}

function writeModel(file: string, trained: TrainedModel): void {
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const b64 = (a: Float32Array): string => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
    const stored: StoredModel = {
      classes: [...trained.classes], vocabulary: [...trained.vocabulary], numFeatures: trained.model.numFeatures,
      numClasses: trained.model.numClasses, weights: b64(trained.model.weights), bias: b64(trained.model.bias),
    };
    // Written aside and renamed: a second process (another test worker) never reads half a model.
    const temp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(temp, JSON.stringify(stored));
    fs.renameSync(temp, file);
  } catch {
    // A read-only checkout still works; it trains on every start.
  }
}
