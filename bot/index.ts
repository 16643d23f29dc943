/** Entry point: load configuration, build the app, listen. */
import 'dotenv/config';
import { loadConfig, ConfigError } from '../config/config.js';
import { trainMissingModels } from '../knowledge/trainModels.js';
import { limitHeapGrowth } from './heap.js';

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
