/**
 * Trains the models a start needs but the cache lacks side by side, one per
 * thread, instead of one after the other. The knowledge base then finds every
 * model in the cache. Training stays deterministic: every thread runs the
 * same code a plain start would.
 */
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { missingModels, preparePolicies, type KnowledgeOptions } from './knowledgeBase.js';
import { trainIntoCache, type CachedModel, type ModelJob } from './learn/modelCache.js';

// Compiled (dist): the worker is the sibling .js file. Run from source (tsx, in development and tests), a
// worker thread does not get the TypeScript loader by itself: it registers tsx, then imports the .ts file.
const FROM_SOURCE = import.meta.url.endsWith('.ts');
const WORKER = new URL(`./trainWorker${FROM_SOURCE ? '.ts' : '.js'}`, import.meta.url);
const startWorker = (workerData: ModelJob): Worker => (FROM_SOURCE
  ? new Worker(`import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(WORKER.href)}); });`, { eval: true, workerData })
  : new Worker(WORKER, { workerData }));

export async function trainMissingModels(policyFiles: readonly string[], options: KnowledgeOptions = {}): Promise<readonly TrainedForStart[]> {
  return startTrainingMissingModels(policyFiles, options).done;
}

/** A model a start trained: the policy file it is for, its cache file and the model itself. */
export interface TrainedForStart extends CachedModel {
  readonly policyFile: string;
}

/**
 * Training under way: `done` once every model is in the cache, with the models (so the knowledge base need not
 * read them back: KnowledgeOptions.trained); `runningAtMost(n)` once at most n worker threads still train.
 */
export interface Training {
  readonly done: Promise<readonly TrainedForStart[]>;
  runningAtMost(n: number): Promise<void>;
}

/**
 * Starts training what the cache lacks. With no more models than cores, each trains in a worker thread and
 * this thread is free at once (to load the Bot Framework beside them). With more, this thread would wait for a
 * core anyway: it trains the smallest model itself before returning, which spares that model a worker's start
 * and re-imports. Start to /healthz training both languages on 2 cores, median of 5: 3.50 s with two workers,
 * 2.98 s with one worker and this thread.
 */
export function startTrainingMissingModels(policyFiles: readonly string[], options: KnowledgeOptions = {}, { cores = os.availableParallelism() } = {}): Training {
  const jobs = missingModels(options.prepared ?? preparePolicies(policyFiles, options), options);
  const here = jobs.length >= cores ? jobs.reduce((a, b) => (b.examples.length < a.examples.length ? b : a)) : undefined;
  const inWorkers = jobs.filter((job) => job !== here);
  let running = inWorkers.length;
  const waiting: { n: number; resolve: () => void }[] = [];
  const workers = inWorkers.map((job) => new Promise<TrainedForStart>((resolve, reject) => {
    const worker = startWorker(job);
    let trained: CachedModel | undefined;
    worker.once('message', (model: CachedModel) => { trained = model; });
    worker.once('error', reject);
    worker.once('exit', (code) => (code === 0 && trained
      ? resolve({ ...trained, policyFile: job.file })
      : reject(new Error(`training the model for ${job.file} exited with ${code}`))));
  }).finally(() => {
    running--;
    for (const w of waiting.filter((w) => running <= w.n)) {
      waiting.splice(waiting.indexOf(w), 1);
      w.resolve();
    }
  }));
  // Synchronously, after the workers are started: they train while this one does.
  const trainedHere = here ? attempt(() => ({ ...trainIntoCache(here), policyFile: here.file })) : undefined;
  const done = Promise.all(trainedHere ? [trainedHere, ...workers] : workers);
  // A worker can fail while the caller still waits in runningAtMost: the failure is the caller's when it awaits
  // `done`, not an unhandled rejection meanwhile (bot/index.ts reports it in one line and exits).
  done.catch(() => undefined);
  return {
    done,
    // A worker that failed counts as finished here; `done` carries its error.
    runningAtMost: (n) => (running <= n ? Promise.resolve() : new Promise((resolve) => waiting.push({ n, resolve }))),
  };
}

/** The outcome of a synchronous step as a promise (its error a rejection, not a throw out of the caller). */
function attempt<T>(step: () => T): Promise<T> {
  try {
    return Promise.resolve(step());
  } catch (error) {
    return Promise.reject(error instanceof Error ? error : new Error(String(error)));
  }
}
