/** Worker thread of trainModels.ts: trains one model into the cache, from inputs the starting thread assembled. */
import { workerData } from 'node:worker_threads';
import { trainIntoCache, type ModelJob } from './learn/modelCache.js';

trainIntoCache(workerData as ModelJob);
