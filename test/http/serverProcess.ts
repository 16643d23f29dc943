/**
 * A whole server in its own process, for measurements a shared event loop
 * would hide (the hostile-input run): prints its base URL on the first line.
 */
import { loadConfig } from '../../config/config.js';
import { createApp } from '../../bot/createApp.js';
import { createLogger } from '../../logging/logger.js';

const config = loadConfig(process.env);
const app = createApp({ config, logger: createLogger('error') });
await (app.assistant as { ready?: Promise<void> }).ready;
const base = await app.listen(0);
process.stdout.write(`${base}\n`);
process.on('SIGTERM', () => { void app.close().finally(() => process.exit(0)); });
