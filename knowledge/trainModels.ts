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
  const missing = policiesToTrain(policyFiles, options);
  await Promise.all(missing.map((file) => new Promise<void>((resolve, reject) => {
    const worker = startWorker({ file, options, policyFiles });
    worker.once('error', reject);
    worker.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`training the model for ${file} exited with ${code}`))));
  })));
  return missing;
}
