/**
 * Worker thread of trainModels.ts: trains one model into the cache, from inputs the starting thread assembled,
 * and hands the model back (its weights moved, not copied) so the knowledge base need not read it again.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { trainIntoCache, type ModelJob } from './learn/modelCache.js';

const result = trainIntoCache(workerData as ModelJob);
const { weights, bias } = result.trained.model;
parentPort?.postMessage(result, [...new Set([weights.buffer, bias.buffer])] as ArrayBuffer[]);
