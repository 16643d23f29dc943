/** Entry point: load configuration, build the app, listen. */
import 'dotenv/config';
import { loadConfig, ConfigError } from '../config/config.js';
import { createApp } from './createApp.js';

try {
  const config = loadConfig();
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
