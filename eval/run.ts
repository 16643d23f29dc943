/**
 * `npm run eval`: sends every line of the development set through the real
 * bot over HTTP (POST /api/messages with deliveryMode expectReplies, a new
 * conversation per line), scores it, and prints accuracy by locale, tag and
 * expected kind, the fallback figures, and each line it gets wrong.
 *
 *   npm run eval [-- --file eval/questions.dev.jsonl] [--quiet]
 *   npm run eval -- --cv 5 [--write]   cross-validation on the training data instead (see eval/cv.ts)
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, REPO_ROOT } from '../config/config.js';
import { createApp } from '../bot/createApp.js';
import { createLogger } from '../logging/logger.js';
import { expectedKind, isRight, outcomeOf, type EvalLine } from './score.js';

const args = process.argv.slice(2);
const cvArg = args.indexOf('--cv');
if (cvArg >= 0) {
  const { runCrossValidation } = await import('./cv.js');
  runCrossValidation(Number(args[cvArg + 1] ?? 5) || 5, args.includes('--write'));
  process.exit(0);
}
const fileArg = args.indexOf('--file');
const file = fileArg >= 0 ? path.resolve(args[fileArg + 1] ?? '') : path.join(REPO_ROOT, 'eval/questions.dev.jsonl');
const quiet = args.includes('--quiet');

const lines: EvalLine[] = fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as EvalLine);
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'assistant-eval-'));
const config = loadConfig({ DATA_DIR: dataDir, RATE_LIMIT_PER_MINUTE: '100000' });
const app = createApp({ config, logger: createLogger('silent') });
const base = await app.listen(0);

interface Result { line: EvalLine; outcome: string; right: boolean; ms: number; confidence?: number }
const results: Result[] = [];
for (const line of lines) {
  const started = performance.now();
  const res = await fetch(`${base}/api/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      type: 'message', id: `${line.id}-1`, text: line.text, locale: line.locale, channelId: 'eval', deliveryMode: 'expectReplies',
      serviceUrl: 'http://localhost/eval', conversation: { id: `eval-${line.id}` }, from: { id: `user-${line.id}` }, recipient: { id: 'bot' },
    }),
  });
  const ms = performance.now() - started;
  const body = (await res.json()) as { activities?: { channelData?: unknown }[] };
  const outcome = outcomeOf(body.activities ?? []);
  const citation = (body.activities ?? []).map((a) => (a.channelData as { assistant?: { citations?: { score: number }[] } })?.assistant?.citations?.[0]?.score).find((s) => s !== undefined);
  results.push({ line, outcome, right: isRight(outcome, line.expect), ms, confidence: citation });
}
await app.close();
fs.rmSync(dataDir, { recursive: true, force: true });

const pct = (n: number, d: number): string => (d === 0 ? '   -  ' : `${((100 * n) / d).toFixed(1).padStart(5)}%`);
const group = (label: string, key: (r: Result) => string[]): void => {
  const buckets = new Map<string, Result[]>();
  for (const r of results) for (const k of key(r)) buckets.set(k, [...(buckets.get(k) ?? []), r]);
  console.log(`\n${label}`);
  for (const [k, rs] of [...buckets].sort(([a], [b]) => a.localeCompare(b))) {
    const right = rs.filter((r) => r.right).length;
    console.log(`  ${k.padEnd(16)} ${pct(right, rs.length)}  (${right}/${rs.length})`);
  }
};

const right = results.filter((r) => r.right).length;
console.log(`Evaluated ${results.length} lines from ${path.relative(process.cwd(), file)} over POST /api/messages (expectReplies)`);
console.log(`Overall accuracy ${pct(right, results.length)}  (${right}/${results.length})`);
group('By locale', (r) => [r.line.locale]);
group('By locale, passage and fallback lines', (r) => (expectedKind(r.line) === 'flow' ? [] : [r.line.locale]));
group('By expected kind', (r) => [expectedKind(r.line)]);
group('By tag', (r) => [...r.line.tags]);

const fallbackLines = results.filter((r) => expectedKind(r.line) === 'fallback');
const noPassageCited = fallbackLines.filter((r) => !/^[\d#.]+$/.test(r.outcome)).length;
const botFallbacks = results.filter((r) => r.outcome === 'fallback');
const rightFallbacks = botFallbacks.filter((r) => r.line.expect.includes('fallback')).length;
console.log('\nFallback');
console.log(`  no passage cited on fallback lines   ${pct(noPassageCited, fallbackLines.length)}  (${noPassageCited}/${fallbackLines.length})`);
console.log(`  fallback precision (bot fell back and the line expected it) ${pct(rightFallbacks, botFallbacks.length)}  (${rightFallbacks}/${botFallbacks.length})`);
const sorted = results.map((r) => r.ms).sort((a, b) => a - b);
console.log(`\nLatency per turn over HTTP: p50 ${sorted[Math.floor(sorted.length / 2)]!.toFixed(1)} ms, p95 ${sorted[Math.floor(sorted.length * 0.95)]!.toFixed(1)} ms`);

const wrong = results.filter((r) => !r.right);
if (!quiet && wrong.length > 0) {
  console.log(`\nWrong (${wrong.length})`);
  for (const r of wrong) console.log(`  ${r.line.id}  got ${r.outcome.padEnd(20)} expected ${r.line.expect.join('|').padEnd(24)} ${r.line.text.slice(0, 90)}`);
}
