/** Worker thread of trainModels.ts: trains one policy's model into the cache. */
import { workerData } from 'node:worker_threads';
import { trainModelIntoCache, type KnowledgeOptions } from './knowledgeBase.js';

const { file, options } = workerData as { file: string; options: KnowledgeOptions };
trainModelIntoCache(file, options);
