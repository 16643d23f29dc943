/** Entry point: load configuration, build the app, listen. */
import 'dotenv/config';
import module from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, ConfigError, REPO_ROOT } from '../config/config.js';
import { knowledgeOptionsOf, loadKnowledgeBase, preparePolicies } from '../knowledge/knowledgeBase.js';
import { startTrainingMissingModels } from '../knowledge/trainModels.js';
import { limitHeapGrowth } from './heap.js';

// Node 22.1+ keeps V8's compiled code for the modules below (the Bot Framework, restify) between starts;
// Node 20 has no such cache and starts as before.
(module as { enableCompileCache?: (dir?: string) => unknown }).enableCompileCache?.(path.join(REPO_ROOT, '.cache', 'node-compile'));

try {
  const config = loadConfig();
  // Models the cache lacks train side by side: in worker threads, and on this thread too when there are more
  // of them than cores (trainModels.ts). This thread loads the Bot Framework once a core is free: more busy
  // threads than cores only share them, and the last model would finish later.
  const options = knowledgeOptionsOf(config);
  // The policies and their data are read once: to know which models the cache lacks, and for the knowledge base.
  const prepared = preparePolicies(config.policyFiles, options);
  const training = startTrainingMissingModels(config.policyFiles, { ...options, prepared });
  await training.runningAtMost(Math.max(0, os.availableParallelism() - 1));
  const { createApp } = await import('./createApp.js');
  const knowledge = loadKnowledgeBase(config.policyFiles, { ...options, prepared, trained: await training.done });
  const app = createApp({ config, knowledge });
  const url = await app.listen();
  // Only now: while training and loading build the heap from nothing, a small growing factor runs a full
  // collection at every step of its growth (start to /healthz training both models: 3.03 s with it from the
  // first line, 2.92 s without, median of 5). V8 reads the flag at each collection, so serving has it.
  limitHeapGrowth(config.heapGrowingPercent);
  app.assistant.logger.info('listening', { url, messages: `${url}/api/messages`, auth: config.microsoftAppId ? 'on' : 'off (local)' });
  const stop = (): void => { void app.close().then(() => process.exit(0)); };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
} catch (error) {
  process.stderr.write(`${error instanceof ConfigError ? error.message : String(error)}\n`);
  process.exit(1);
}
