/**
 * The assistant in a process of its own, so a test can kill it with SIGKILL
 * (no clean-up runs) and start it again on the same data folder and port.
 */
import { loadConfig } from '../../config/config.js';
import { createApp } from '../../bot/createApp.js';
import { createLogger } from '../../logging/logger.js';

const config = loadConfig(process.env);
const app = createApp({ config, logger: createLogger('error') });
await (app.assistant as { ready?: Promise<void> }).ready;
const base = await app.listen(config.port);
process.stdout.write(`${base}\n`);
