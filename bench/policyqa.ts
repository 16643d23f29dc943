/**
 * `npx tsx bench/policyqa.ts /path/to/policyqa/test.json [--policies 10] [--misses 5] [--unseen-from dev.json]`
 *
 * How the assistant ranks passages on real website privacy policies it has no
 * training data for, against plain BM25. Data: a PolicyQA split
 * (github.com/wasiahmad/PolicyQA, SQuAD format), read and never committed.
 * Question expansion (knowledge/data/expansion.en-US.json) is learned from the
 * dev split (`npm run kb -- learn-expansion`), so measure on the test split:
 * other websites, and with `--unseen-from dev.json` only question wordings the
 * dev split never asks. Each policy (data[].title) is written to a temp file
 * (title line, then its contexts, deduplicated, in order, one per blank-line
 * separated paragraph) and loaded ALONE with loadKnowledgeBase, which parses it
 * into passages and trains the model on the passage text only.
 *
 * Gold passages for a question: the parsed passages whose text (or title+text)
 * contains the answer span, compared on normalised words. Two readings:
 * - "any": every passage containing the answer span (the brief's definition;
 *   lenient when the answer is a short, common phrase such as "cookies");
 * - "ctx": only passages that come from a context where this same question is
 *   asked in this policy (PolicyQA asks one templated question over many
 *   contexts), by the parser's line trace, and contain that instance's answer
 *   span (else all of that context's passages); "any" when that is empty.
 * When no passage contains the whole span (a context split mid-answer), the
 * context's passages containing the span's first or last 8 words are gold; else
 * those containing the context's first 60 characters; else all of its passages.
 *
 * Baseline: knowledge/search/bm25.ts over the same passages (title + text, and
 * text only), tokenised to lowercase words, no stemming, English stop words out.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadKnowledgeBase } from '../knowledge/knowledgeBase.js';
import { loadPolicyTraced } from '../knowledge/loadPolicy.js';
import { createBm25Index, type Bm25Index } from '../knowledge/search/bm25.js';
import type { Passage } from '../knowledge/passage.js';
import { oneLine, policyFileText, wordsOnly } from '../knowledge/learn/policyQa.js';

interface SquadAnswer { text: string; answer_start: number }
interface SquadQa { question: string; id: string; answers: SquadAnswer[] }
interface SquadParagraph { context: string; qas: SquadQa[] }
interface SquadPolicy { title: string; paragraphs: SquadParagraph[] }

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}
const file = process.argv.slice(2).find((a, i, all) => !a.startsWith('--') && !(all[i - 1] ?? '').startsWith('--'));
if (!file) {
  console.error('usage: npx tsx bench/policyqa.ts /path/to/dev.json [--policies 10] [--misses 5]');
  process.exit(2);
}
const maxPolicies = arg('policies', 10);
const showMisses = arg('misses', 0);
// `--unseen-from FILE`: count only questions whose wording never occurs in FILE (e.g. the split that question
// expansion was learned from), so a gain is not just templates seen in training.
const unseenFrom = process.argv.indexOf('--unseen-from') >= 0 ? process.argv[process.argv.indexOf('--unseen-from') + 1] : undefined;
const seenQuestions = new Set<string>(unseenFrom
  ? (JSON.parse(fs.readFileSync(unseenFrom, 'utf8')) as { data: SquadPolicy[] }).data.flatMap((p) => p.paragraphs.flatMap((para) => para.qas.map((q) => q.question)))
  : []);

// English stop words (the NLTK list, the usual choice for a classic BM25 baseline).
const STOP = new Set(`i me my myself we our ours ourselves you your yours yourself yourselves he him his himself she her hers
herself it its itself they them their theirs themselves what which who whom this that these those am is are was were be
been being have has had having do does did doing a an the and but if or because as until while of at by for with about
against between into through during before after above below to from up down in out on off over under again further then
once here there when where why how all any both each few more most other some such no nor not only own same so than too
very s t can will just don should now d ll m o re ve y ain aren couldn didn doesn hadn hasn haven isn ma mightn mustn
needn shan shouldn wasn weren won wouldn`.split(/\s+/));

const plainTokens = (text: string): string[] =>
  (text.toLowerCase().match(/[a-z0-9]+/g) ?? []).filter((w) => !STOP.has(w));

/** Words only: case, punctuation and spacing differences (cleanText's repairs) do not matter. */

const slug = (s: string): string => s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'policy';

/** ROC AUC (Mann-Whitney U, ties count half): how well `score` separates positives from negatives. */
function rocAuc(items: readonly { score: number; positive: boolean }[]): number {
  const pos = items.filter((x) => x.positive).map((x) => x.score);
  const neg = items.filter((x) => !x.positive).map((x) => x.score);
  if (pos.length === 0 || neg.length === 0) return NaN;
  let u = 0;
  for (const p of pos) for (const n of neg) u += p > n ? 1 : p === n ? 0.5 : 0;
  return u / (pos.length * neg.length);
}

interface Tally {
  questions: number;
  aTop1: number; aTop3: number; aTop1Ctx: number; aTop3Ctx: number;
  bTop1: number; bTop3: number; bTop1Ctx: number; bTop3Ctx: number;
  tTop1: number; tTop3: number;
  fallback: number;
  conf: { score: number; positive: boolean }[];
  goldKinds: Record<string, number>;
  /** Sums over questions: gold set sizes, and a random ranking's chance of a gold passage first. */
  goldAny: number; goldCtx: number; random1: number; random1Ctx: number; agree1: number; noPassage: number;
  passages: number; passagesTotalWords: number;
}
const emptyTally = (): Tally => ({
  questions: 0, aTop1: 0, aTop3: 0, aTop1Ctx: 0, aTop3Ctx: 0, bTop1: 0, bTop3: 0, bTop1Ctx: 0, bTop3Ctx: 0,
  tTop1: 0, tTop3: 0, fallback: 0, conf: [], goldKinds: {}, goldAny: 0, goldCtx: 0, random1: 0, random1Ctx: 0, agree1: 0, noPassage: 0, passages: 0, passagesTotalWords: 0,
});

interface Miss { policy: string; question: string; answer: string; gold: Passage; ranked: Passage | undefined; bm25: Passage | undefined }

function rankBm25(index: Bm25Index, order: readonly string[], question: string): string[] {
  const scores = index.score(plainTokens(question));
  // Ties broken by document order (stable).
  return order.filter((id) => scores.has(id)).sort((a, b) => scores.get(b)! - scores.get(a)!);
}

const dataset = JSON.parse(fs.readFileSync(file, 'utf8')) as { data: SquadPolicy[] };
const policies = dataset.data.slice(0, maxPolicies);
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'policyqa-'));
const overall = emptyTally();
const misses: Miss[] = [];
const rows: string[][] = [];
let loadMs = 0;
let queryMs = 0;
const started = performance.now();

for (const policy of policies) {
  // The same file question expansion was learned from: title, then each context once, in order.
  const { text: policyText, contexts } = policyFileText(policy);
  const contextIndex = new Map(contexts.map((c, i) => [c, i]));
  const policyFile = path.join(tmp, `${slug(policy.title)}.en-US.txt`);
  fs.writeFileSync(policyFile, policyText);

  const t0 = performance.now();
  const kb = loadKnowledgeBase([policyFile], { modelCacheDir: '', routeCacheSize: 0 }); // timed per question: nothing remembered
  loadMs += performance.now() - t0;
  const passages = kb.document('en-US').passages;
  const byId = new Map(passages.map((p) => [p.id, p]));
  const order = passages.map((p) => p.id);

  // Which context each passage came from: trace line 0 is the title, line i+1 is context i.
  const trace = loadPolicyTraced(policyFile);
  const traceOk = trace.lines.length === contexts.length + 1 && trace.document.passages.length === passages.length;
  if (!traceOk) console.warn(`! ${policy.title}: trace has ${trace.lines.length} lines for ${contexts.length + 1}; ctx gold falls back to "any"`);
  const passagesOfContext = new Map<number, Set<string>>();
  if (traceOk) {
    for (const s of trace.sources) {
      for (const line of [...s.lines, ...(s.titleLine !== undefined ? [s.titleLine] : [])]) {
        if (line === 0) continue;
        const set = passagesOfContext.get(line - 1) ?? new Set<string>();
        set.add(s.id);
        passagesOfContext.set(line - 1, set);
      }
    }
  }
  const normText = new Map(passages.map((p) => [p.id, { text: wordsOnly(p.text), both: wordsOnly(`${p.title} ${p.text}`) }]));
  const containing = (needle: string, among: Iterable<string> = order): string[] =>
    needle ? [...among].filter((id) => normText.get(id)!.text.includes(needle) || normText.get(id)!.both.includes(needle)) : [];

  const bm25Both = createBm25Index(passages.map((p) => ({ key: p.id, tokens: plainTokens(`${p.title} ${p.text}`) })));
  const bm25Text = createBm25Index(passages.map((p) => ({ key: p.id, tokens: plainTokens(p.text) })));

  const questionContexts = new Map<string, { ci: number; answer: string }[]>();
  for (const para of policy.paragraphs) {
    const ci = contextIndex.get(oneLine(para.context))!;
    for (const qa of para.qas) {
      questionContexts.set(qa.question, [...(questionContexts.get(qa.question) ?? []), { ci, answer: wordsOnly(qa.answers[0]!.text) }]);
    }
  }

  const tally = emptyTally();
  tally.passages = passages.length;
  for (const para of policy.paragraphs) {
    const ci = contextIndex.get(oneLine(para.context))!;
    const ctxPassages = passagesOfContext.get(ci) ?? new Set<string>();
    for (const qa of para.qas) {
      if (seenQuestions.has(qa.question)) continue;
      const answer = qa.answers[0]!.text;
      const a = wordsOnly(answer);
      let kind = 'answer';
      let gold = containing(a);
      if (gold.length === 0) {
        const words = a.split(' ');
        const head = words.slice(0, 8).join(' ');
        const tail = words.slice(-8).join(' ');
        kind = 'answer-part';
        gold = [...new Set([...containing(head, ctxPassages), ...containing(tail, ctxPassages)])];
        if (gold.length === 0) { kind = 'context-start'; gold = containing(wordsOnly(para.context.slice(0, 60))); }
        if (gold.length === 0) { kind = 'context'; gold = [...ctxPassages]; }
      }
      if (gold.length === 0) { kind = 'none'; }
      tally.goldKinds[kind] = (tally.goldKinds[kind] ?? 0) + 1;
      const goldSet = new Set(gold);
      // Strict gold: passages from the contexts where this question is asked in this policy (PolicyQA repeats
      // a question over many contexts), containing that instance's answer span (else all of its passages).
      const ctxGold = new Set<string>();
      for (const inst of questionContexts.get(qa.question) ?? []) {
        const from = passagesOfContext.get(inst.ci) ?? new Set<string>();
        const hit = containing(inst.answer, from);
        for (const id of hit.length > 0 ? hit : from) ctxGold.add(id);
      }
      const goldCtxSet = ctxGold.size > 0 ? ctxGold : goldSet;

      const q0 = performance.now();
      const found = kb.search.find(qa.question, 'en-US').hits.filter((h) => h.kind === 'passage').map((h) => h.key);
      const decision = kb.route(qa.question, 'en-US');
      queryMs += performance.now() - q0;
      const bBoth = rankBm25(bm25Both, order, qa.question);
      const bText = rankBm25(bm25Text, order, qa.question);

      const top1 = (ranked: readonly string[], g: Set<string>): boolean => ranked.length > 0 && g.has(ranked[0]!);
      const top3 = (ranked: readonly string[], g: Set<string>): boolean => ranked.slice(0, 3).some((id) => g.has(id));
      tally.questions++;
      const right = top1(found, goldSet);
      if (right) tally.aTop1++;
      if (top3(found, goldSet)) tally.aTop3++;
      if (top1(found, goldCtxSet)) tally.aTop1Ctx++;
      if (top3(found, goldCtxSet)) tally.aTop3Ctx++;
      if (top1(bBoth, goldSet)) tally.bTop1++;
      if (top3(bBoth, goldSet)) tally.bTop3++;
      if (top1(bBoth, goldCtxSet)) tally.bTop1Ctx++;
      if (top3(bBoth, goldCtxSet)) tally.bTop3Ctx++;
      if (top1(bText, goldSet)) tally.tTop1++;
      if (top3(bText, goldSet)) tally.tTop3++;
      if (decision.kind === 'fallback') tally.fallback++;
      tally.goldAny += goldSet.size;
      tally.goldCtx += goldCtxSet.size;
      tally.random1 += goldSet.size / passages.length;
      tally.random1Ctx += goldCtxSet.size / passages.length;
      if (found[0] !== undefined && found[0] === bBoth[0]) tally.agree1++;
      if (found.length === 0) tally.noPassage++;
      tally.conf.push({ score: decision.confidence, positive: right });
      if (!right && top1(bBoth, goldSet) && misses.filter((m) => m.policy === policy.title).length < showMisses && gold.length > 0) {
        misses.push({
          policy: policy.title, question: qa.question, answer,
          gold: byId.get(gold[0]!)!, ranked: found[0] ? byId.get(found[0]) : undefined, bm25: bBoth[0] ? byId.get(bBoth[0]) : undefined,
        });
      }
    }
  }
  for (const k of Object.keys(overall) as (keyof Tally)[]) {
    if (typeof overall[k] === 'number') (overall[k] as number) += tally[k] as number;
  }
  overall.conf.push(...tally.conf);
  for (const [k, n] of Object.entries(tally.goldKinds)) overall.goldKinds[k] = (overall.goldKinds[k] ?? 0) + n;
  rows.push(row(policy.title, tally));
}

function pct(n: number, d: number): string {
  return d === 0 ? '-' : `${((100 * n) / d).toFixed(1)}`;
}
function row(name: string, t: Tally): string[] {
  return [
    name, String(t.passages), String(t.questions),
    pct(t.aTop1, t.questions), pct(t.aTop3, t.questions), pct(t.bTop1, t.questions), pct(t.bTop3, t.questions),
    pct(t.aTop1Ctx, t.questions), pct(t.bTop1Ctx, t.questions),
    pct(t.fallback, t.questions), rocAuc(t.conf).toFixed(3),
  ];
}
const header = ['policy', 'passages', 'questions', 'asst@1', 'asst@3', 'bm25@1', 'bm25@3', 'asst@1ctx', 'bm25@1ctx', 'fallback%', 'conf AUC'];
rows.push(row('OVERALL', overall));
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
const line = (r: string[]): string => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
console.log(line(header));
rows.forEach((r, i) => { if (i === rows.length - 1) console.log(widths.map((w) => '-'.repeat(w)).join('  ')); console.log(line(r)); });
console.log('');
console.log('asst = kb.search.find, first passage hit; bm25 = plain BM25 (title+text, lowercase words, no stemming, stop words out).');
console.log('@1/@3: a gold passage (contains the answer span) ranked 1st / in the top 3; ctx: gold limited to contexts where the same question is asked.');
console.log(`BM25 over text only: top-1 ${pct(overall.tTop1, overall.questions)}%, top-3 ${pct(overall.tTop3, overall.questions)}%`);
console.log(`Assistant ctx top-3 ${pct(overall.aTop3Ctx, overall.questions)}%, BM25 ctx top-3 ${pct(overall.bTop3Ctx, overall.questions)}%`);
console.log(`Gold set size per question: any ${(overall.goldAny / overall.questions).toFixed(2)}, ctx ${(overall.goldCtx / overall.questions).toFixed(2)} passages; `
  + `random ranking top-1: any ${pct(overall.random1, overall.questions)}%, ctx ${pct(overall.random1Ctx, overall.questions)}%`);
console.log(`Assistant search returned no passage among its hits (flows/small talk/not-covered only) for ${pct(overall.noPassage, overall.questions)}% of questions`);
console.log(`Assistant and BM25 put the same passage first for ${pct(overall.agree1, overall.questions)}% of questions`);
console.log(`Gold found by: ${Object.entries(overall.goldKinds).map(([k, n]) => `${k} ${n}`).join(', ')}`);
console.log(`Confidence AUC: decision.confidence (kb.route) separating assistant top-1 right (${overall.aTop1}) from wrong (${overall.questions - overall.aTop1}).`);
const total = performance.now() - started;
console.log(`Timing: ${policies.length} policies, ${overall.questions} questions in ${(total / 1000).toFixed(1)} s; `
  + `load+train ${(loadMs / 1000).toFixed(1)} s (${(loadMs / policies.length).toFixed(0)} ms/policy), `
  + `assistant find+route ${(queryMs / Math.max(1, overall.questions)).toFixed(2)} ms/question`);
if (misses.length > 0) {
  console.log('\nAssistant misses that BM25 got right:');
  const short = (p?: Passage): string => (p ? `[${p.id}] ${p.title} | ${p.text.slice(0, 110).replace(/\s+/g, ' ')}` : '(none)');
  for (const m of misses) {
    console.log(`- ${m.policy}: "${m.question}" (answer: "${m.answer.slice(0, 60)}")`);
    console.log(`    gold:      ${short(m.gold)}`);
    console.log(`    assistant: ${short(m.ranked)}`);
  }
}
fs.rmSync(tmp, { recursive: true, force: true });
