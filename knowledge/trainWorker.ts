/** Worker thread of trainModels.ts: trains one policy's model into the cache. */
import { workerData } from 'node:worker_threads';
import { trainModelIntoCache, type KnowledgeOptions } from './knowledgeBase.js';

const { file, options, policyFiles } = workerData as { file: string; options: KnowledgeOptions; policyFiles: string[] };
trainModelIntoCache(file, options, policyFiles);
