/**
 * The learned model's parts, directly: the mood features, prediction scoring a message exactly as training
 * scores it, BM25's postings against the formula, and the answer threshold of a policy with no data of its own.
 */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/config.js';
import { loadKnowledgeBase, loadTokenizers } from '../knowledge/knowledgeBase.js';
import { messageFeatures } from '../knowledge/learn/features.js';
import { trainIntentModel, type LabelledText } from '../knowledge/learn/intentModel.js';
import type { Evidence } from '../knowledge/learn/softmax.js';
import { createBm25Index } from '../knowledge/search/bm25.js';
import { decide } from '../knowledge/decide.js';
import { UNDERSTANDING_DEFAULTS, type Understood } from '../knowledge/learn/understanding.js';

const tokenizers = loadTokenizers();

describe('the message\'s mood', () => {
  it.each([
    ['delete my location data', 'en-US', ['m:requests']],
    ['can I delete my location data?', 'en-US', ['m:asks']],
    ['please tell me what you keep?', 'en-US', ['m:asks', 'm:requests']],
    ['把我的位置信息删掉', 'zh-CN', ['m:requests']],
    ['你们会删除我的位置信息吗', 'zh-CN', ['m:asks']],
    ['location data', 'en-US', []],
  ])('%s → %j', (text, locale, moods) => {
    expect(messageFeatures(text, locale, tokenizers).filter((f) => f.startsWith('m:'))).toEqual(moods);
  });
});

describe('which way the data goes: pairs of neighbouring words with a small word in them, as written', () => {
  const pairs = (text: string): string[] => messageFeatures(text, 'en-US', tokenizers).filter((f) => f.startsWith('r:'));

  it('tells "…to you" from "…to your partners", and keeps pairs of two content words out', () => {
    expect(pairs('can your partners send my details to you')).toContain('r:to_you');
    expect(pairs('can you send my details to your partners')).toEqual(expect.arrayContaining(['r:to_your', 'r:your_partners']));
    expect(pairs('can you send my details to your partners')).not.toContain('r:to_you');
    expect(pairs('partners send details')).toEqual([]);
  });

  it('routes the two directions to their passages (1.3: Buygogo receives; 3.3: Buygogo shares)', () => {
    const kb = loadKnowledgeBase(loadConfig({}).policyFiles);
    const routed = (text: string): string | undefined => { const d = kb.route(text, 'en-US'); return d.kind === 'answer' ? d.passageId : d.kind; };
    expect(routed('can your partners send my details to you')).toBe('1.3#1');
    expect(routed('can you send my details to your partners')).toBe('3.3');
  });
});

describe('prediction scores a message as training does', () => {
  const examples: LabelledText[] = [
    { text: 'do you log my ip address', key: 'ip', weight: 1 },
    { text: 'what browser information do you record', key: 'ip', weight: 1 },
    { text: 'do you use cookies', key: 'cookies', weight: 1 },
    { text: 'what are web beacons and cookies for', key: 'cookies', weight: 1 },
    { text: '你们会记录我的位置吗', key: 'location', weight: 1 },
    { text: '定位信息怎么关闭', key: 'location', weight: 1 },
  ];
  const classes = ['ip', 'cookies', 'location'];

  /** Softmax over bias + (sum of the weights of each distinct known feature) / sqrt(their count). */
  function reference(model: ReturnType<typeof trainIntentModel>, text: string, locale: string): number[] {
    const { vocabulary, model: m } = (model as unknown as { trained: { vocabulary: string[]; model: { weights: Float32Array; bias: Float32Array; numClasses: number } } }).trained;
    const index = new Map(vocabulary.map((f, i) => [f, i]));
    const ids = [...new Set(messageFeatures(text, locale, tokenizers).map((f) => index.get(f)).filter((id): id is number => id !== undefined))];
    const sums = new Array<number>(m.numClasses).fill(0);
    for (const id of ids) for (let c = 0; c < m.numClasses; c++) sums[c]! += m.weights[id * m.numClasses + c]!;
    const scores = sums.map((s, c) => m.bias[c]! + s / Math.sqrt(Math.max(ids.length, 1)));
    const max = Math.max(...scores);
    const exp = scores.map((s) => Math.exp(s - max));
    const total = exp.reduce((a, b) => a + b, 0);
    return exp.map((e) => e / total);
  }

  it.each([
    ['do you log my ip address', 'en-US'],
    ['cookies cookies cookies, do you use cookies', 'en-US'], // repeated words count once
    ['ip ip', 'en-US'], // a word asked about again, from the model's word cache
    ['你们会记录我的位置吗 and cookies', 'zh-CN'],
    ['zzzz qqqq', 'en-US'], // nothing known: the bias alone
  ])('%s', (text, locale) => {
    const model = trainIntentModel(examples, classes, locale, tokenizers);
    for (let i = 0; i < 2; i++) {
      const got = [...model.predict(text)];
      reference(model, text, locale).forEach((p, c) => expect(got[c]).toBeCloseTo(p, 12));
    }
  });
});

/** The features a trained model learned, in index order. */
const vocabularyOf = (model: ReturnType<typeof trainIntentModel>): string[] => (model as unknown as { trained: { vocabulary: string[] } }).trained.vocabulary;

describe('training reads a message as messageFeatures does', () => {
  it('learns every feature of every example, in order of first appearance, though a word\'s n-grams are built once', () => {
    const examples: LabelledText[] = [
      { text: 'Do you share my information with partners?', key: 'share', weight: 1 },
      { text: 'information, information: who gets my information', key: 'share', weight: 1 },
      { text: 'do partners send you information about me', key: 'receive', weight: 1 },
      { text: 'aaaa aaa', key: 'receive', weight: 1 }, // a word whose n-grams repeat within it
    ];
    const vocabulary = vocabularyOf(trainIntentModel(examples, ['share', 'receive'], 'en-US', tokenizers));
    expect(vocabulary).toEqual([...new Set(examples.flatMap((e) => messageFeatures(e.text, 'en-US', tokenizers)))]);
    expect(vocabulary.filter((f) => f.startsWith('c:')).length).toBeGreaterThan(30); // the per-word path really ran: 44 distinct 4-grams here
  });
});

describe('the model comparison\'s narrower models (CV_FEATURES)', () => {
  it('learns only the kinds of feature it is given, and a typo that only character n-grams would catch is then missed', () => {
    const examples: LabelledText[] = [
      { text: 'do you collect my location', key: 'location', weight: 1 },
      { text: 'is my location tracked', key: 'location', weight: 1 },
      { text: 'do you use cookies', key: 'cookies', weight: 1 },
      { text: 'what are your cookies for', key: 'cookies', weight: 1 },
    ];
    const narrow = trainIntentModel(examples, ['location', 'cookies'], 'en-US', tokenizers, {}, new Set(['w', 'b', 'm']));
    const vocabulary = vocabularyOf(narrow);
    expect(vocabulary.length).toBeGreaterThan(5);
    expect(vocabulary.every((f) => /^[wbm]:/.test(f))).toBe(true);
    const full = trainIntentModel(examples, ['location', 'cookies'], 'en-US', tokenizers);
    // "locaton" is no word either model learned; only the full model shares its 4-grams (<loc, loca) with "location".
    expect(full.predict('locaton')[0]).toBeGreaterThan(0.6);
    expect(narrow.predict('locaton')[0]).toBeCloseTo(0.5, 1);
  });
});

describe('the evidence the calibrator reads beside the probabilities', () => {
  const examples: LabelledText[] = [
    { text: 'do you log my ip address', key: 'ip', weight: 1 },
    { text: 'do you use cookies', key: 'cookies', weight: 1 },
  ];
  const model = trainIntentModel(examples, ['ip', 'cookies'], 'en-US', tokenizers);
  const evidenceOf = (text: string): Evidence => {
    const evidence: Evidence = { logSumExp: 0, knownFeatureShare: 0 };
    const probs = model.predict(text, undefined, evidence);
    expect(probs.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
    return evidence;
  };

  it('knows every feature of a training message, fewer of a topic it never saw, none of gibberish', () => {
    expect(evidenceOf('do you use cookies').knownFeatureShare).toBe(1);
    const unseen = evidenceOf('do you keep my fingerprint').knownFeatureShare;
    expect(unseen).toBeGreaterThan(0);
    expect(unseen).toBeLessThan(1);
    expect(evidenceOf('zzzz qqqq').knownFeatureShare).toBe(0);
  });

  it('scores a training message more strongly before softmax than gibberish', () => {
    expect(evidenceOf('do you use cookies').logSumExp).toBeGreaterThan(evidenceOf('zzzz qqqq').logSumExp);
  });
});

describe('BM25 over postings', () => {
  it('scores as the formula does, only documents that share a term, each with its query weight', () => {
    const docs = [
      { key: 'a', tokens: ['ip', 'address', 'browser', 'ip'] },
      { key: 'b', tokens: ['cookie', 'beacon'] },
      { key: 'c', tokens: ['ip', 'location', 'device', 'model', 'operator', 'screen'] },
    ];
    const index = createBm25Index(docs);
    const avgLen = 12 / 3;
    const expected = (tf: number, len: number, term: string): number =>
      index.idf(term) * ((tf * 2.2) / (tf + 1.2 * (1 - 0.5 + (0.5 * len) / avgLen)));
    const scores = index.scoreWeighted(new Map([['ip', 1], ['browser', 0.5], ['nowhere', 1]]));
    expect([...scores.keys()].sort()).toEqual(['a', 'c']);
    expect(scores.get('a')).toBeCloseTo(expected(2, 4, 'ip') + 0.5 * expected(1, 4, 'browser'), 12);
    expect(scores.get('c')).toBeCloseTo(expected(1, 6, 'ip'), 12);
    expect(index.idf('ip')).toBeCloseTo(Math.log(1 + (3 - 2 + 0.5) / (2 + 0.5)), 12);
  });
});

describe('a policy with no data of its own answers above its own threshold', () => {
  const understood = (passagesHaveData: boolean): Understood => ({
    ranked: [{ key: '3', kind: 'passage', score: 0.3 }, { key: 'none:offTopic', kind: 'none', score: 0.25 }],
    passageMass: 0.3, truncated: false, passagesHaveData, isQuestion: true, knownWordShare: 1, terms: ['share'], locale: 'en-US',
    lexical: { strength: 1, coverage: 1 },
  });
  const settings = { ...UNDERSTANDING_DEFAULTS, threshold: 0.7, noDataThreshold: 0.2, shareThreshold: 0, noDataShareThreshold: 0 };

  it('answers with 30% on passages when the policy has no data (threshold 0.2), falls back when it has (0.7)', () => {
    expect(decide('do you share my data?', understood(false), settings)).toMatchObject({ kind: 'answer', passageId: '3' });
    expect(decide('do you share my data?', understood(true), settings)).toMatchObject({ kind: 'fallback' });
    expect(decide('do you share my data?', understood(false), { ...settings, noDataThreshold: 0.4 })).toMatchObject({ kind: 'fallback' });
  });
});
