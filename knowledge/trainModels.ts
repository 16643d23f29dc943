/**
 * Trains the models a start needs but the cache lacks, one worker thread per
 * policy file, so the languages train side by side (and beside the main
 * thread loading the Bot Framework) instead of one after the other. The
 * knowledge base then finds every model in the cache. Training stays
 * deterministic: each worker runs the same code a plain start would.
 */
import { Worker } from 'node:worker_threads';
import { policiesToTrain, type KnowledgeOptions } from './knowledgeBase.js';

// Compiled (dist): the worker is the sibling .js file. Run from source (tsx, in development and tests), a
// worker thread does not get the TypeScript loader by itself: it registers tsx, then imports the .ts file.
const FROM_SOURCE = import.meta.url.endsWith('.ts');
const WORKER = new URL(`./trainWorker${FROM_SOURCE ? '.ts' : '.js'}`, import.meta.url);
const startWorker = (workerData: unknown): Worker => (FROM_SOURCE
  ? new Worker(`import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(WORKER.href)}); });`, { eval: true, workerData })
  : new Worker(WORKER, { workerData }));

export async function trainMissingModels(policyFiles: readonly string[], options: KnowledgeOptions = {}): Promise<string[]> {
  return startTrainingMissingModels(policyFiles, options).done;
}

/** Training under way: `done` once every model is in the cache; `runningAtMost(n)` once at most n workers still run. */
export interface Training {
  readonly done: Promise<string[]>;
  runningAtMost(n: number): Promise<void>;
}

export function startTrainingMissingModels(policyFiles: readonly string[], options: KnowledgeOptions = {}): Training {
  const missing = policiesToTrain(policyFiles, options);
  let running = missing.length;
  const waiting: { n: number; resolve: () => void }[] = [];
  const workers = missing.map((file) => new Promise<void>((resolve, reject) => {
    const worker = startWorker({ file, options, policyFiles });
    worker.once('error', reject);
    worker.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`training the model for ${file} exited with ${code}`))));
  }).finally(() => {
    running--;
    for (const w of waiting.filter((w) => running <= w.n)) {
      waiting.splice(waiting.indexOf(w), 1);
      w.resolve();
    }
  }));
  const done = Promise.all(workers).then(() => missing);
  // A worker can fail while the caller still waits in runningAtMost: the failure is the caller's when it awaits
  // `done`, not an unhandled rejection meanwhile (bot/index.ts reports it in one line and exits).
  done.catch(() => undefined);
  return {
    done,
    // A worker that failed counts as finished here; `done` carries its error.
    runningAtMost: (n) => (running <= n ? Promise.resolve() : new Promise((resolve) => waiting.push({ n, resolve }))),
  };
}
