/**
 * The project side of `npm run load`: the whole app (bot/createApp.ts) on a
 * free port with a temporary data folder, warn-level logging and a message
 * budget too high to matter. Run as a child process by bench/load.ts.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../config/config.js';
import { createApp } from '../bot/createApp.js';
import { limitHeapGrowth } from '../bot/heap.js';
import { serveBenchChild } from './child.js';

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'assistant-load-'));
const config = loadConfig({
  DATA_DIR: dataDir,
  LOG_LEVEL: process.env.LOAD_LOG_LEVEL ?? 'warn',
  RATE_LIMIT_PER_MINUTE: '100000',
  PORT: '0',
  // ROUTE_CACHE_SIZE=0 npm run load: every message routed afresh (the rotating questions otherwise repeat).
  ...(process.env.ROUTE_CACHE_SIZE !== undefined ? { ROUTE_CACHE_SIZE: process.env.ROUTE_CACHE_SIZE } : {}),
});
// As bot/index.ts starts the server.
limitHeapGrowth(config.heapGrowingPercent);
const app = createApp({ config });
const url = await app.listen(0);
serveBenchChild(url.replace('localhost', '127.0.0.1'), async () => {
  await app.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});
