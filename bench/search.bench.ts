/**
 * `npm run bench`: search latency and throughput at the policy's size, and
 * the cost of building the index at start-up. Queries are the dev set's
 * texts (each searched many times), so the mix of lengths and languages is
 * realistic.
 */
import fs from 'node:fs';
import path from 'node:path';
import { loadConfig, REPO_ROOT } from '../config/config.js';
import { loadKnowledgeBase } from '../knowledge/knowledgeBase.js';

const config = loadConfig({});
const buildStart = performance.now();
// Every query routed afresh: each text is searched many times, and remembered decisions (routeCache.ts) would time a map lookup.
const kb = loadKnowledgeBase(config.policyFiles, { routeCacheSize: 0 });
const buildMs = performance.now() - buildStart;

const queries = fs.readFileSync(path.join(REPO_ROOT, 'eval/questions.dev.jsonl'), 'utf8')
  .split('\n').filter(Boolean).map((l) => JSON.parse(l) as { text: string; locale: string });

for (let i = 0; i < 3; i++) for (const q of queries) kb.route(q.text, q.locale); // warm-up (JIT)

const rounds = 20;
const samples: number[] = [];
const started = performance.now();
for (let r = 0; r < rounds; r++) {
  for (const q of queries) {
    const t = performance.now();
    kb.route(q.text, q.locale);
    samples.push(performance.now() - t);
  }
}
const totalMs = performance.now() - started;
samples.sort((a, b) => a - b);
const at = (p: number): string => samples[Math.min(samples.length - 1, Math.floor(samples.length * p))]!.toFixed(3);
const passages = kb.locales.map((l) => `${l}: ${kb.document(l).passages.length}`).join(', ');

console.log(`Knowledge base: ${passages} passages; index built in ${buildMs.toFixed(0)} ms`);
console.log(`${samples.length} queries (search + decision): mean ${(totalMs / samples.length).toFixed(3)} ms, p50 ${at(0.5)} ms, p95 ${at(0.95)} ms, p99 ${at(0.99)} ms`);
console.log(`Throughput: ${Math.round(samples.length / (totalMs / 1000))} queries/s on one core`);
console.log(`Heap used: ${(process.memoryUsage().heapUsed / 1024 / 1024).toFixed(1)} MiB`);
