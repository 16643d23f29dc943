/** Worker thread of trainModels.ts: loads one policy's knowledge base, which trains its model into the cache. */
import { workerData } from 'node:worker_threads';
import { loadKnowledgeBase, type KnowledgeOptions } from './knowledgeBase.js';

const { file, options } = workerData as { file: string; options: KnowledgeOptions };
loadKnowledgeBase([file], options);
