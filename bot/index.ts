/** Entry point: load configuration, build the app, listen. */
import 'dotenv/config';
import module from 'node:module';
import path from 'node:path';
import { loadConfig, ConfigError, REPO_ROOT } from '../config/config.js';
import { trainMissingModels } from '../knowledge/trainModels.js';
import { limitHeapGrowth } from './heap.js';

// Node 22.1+ keeps V8's compiled code for the modules below (the Bot Framework, restify) between starts;
// Node 20 has no such cache and starts as before.
(module as { enableCompileCache?: (dir?: string) => unknown }).enableCompileCache?.(path.join(REPO_ROOT, '.cache', 'node-compile'));

try {
  const config = loadConfig();
  limitHeapGrowth(config.heapGrowingPercent);
  // Models the cache lacks train in worker threads while this thread loads the Bot Framework.
  const training = trainMissingModels(config.policyFiles, { modelCacheDir: config.modelCacheDir });
  const { createApp } = await import('./createApp.js');
  await training;
  const app = createApp({ config });
  const url = await app.listen();
  app.assistant.logger.info('listening', { url, messages: `${url}/api/messages`, auth: config.microsoftAppId ? 'on' : 'off (local)' });
  const stop = (): void => { void app.close().then(() => process.exit(0)); };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
} catch (error) {
  process.stderr.write(`${error instanceof ConfigError ? error.message : String(error)}\n`);
  process.exit(1);
}
