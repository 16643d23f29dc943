/**
 * Understanding as the product relies on it: small talk is never a policy
 * answer, data written for one text is never applied to another, a policy
 * with no data of its own still answers from its passages, and the accuracy
 * floors (dev set as validation, cross-validation on the training data) hold.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, REPO_ROOT } from '../config/config.js';
import { chosenSettings, KNOWLEDGE_DATA_DIR, loadKnowledgeBase, type KnowledgeBase } from '../knowledge/knowledgeBase.js';
import { calibratedProbability, fitCalibrator } from '../knowledge/learn/calibration.js';
import { expandQuestion, learnAssociations } from '../knowledge/learn/expansion.js';
import { homophoneTypist } from '../eval/homophones.js';
import { loadPolicy } from '../knowledge/loadPolicy.js';
import { assembleTrainingSet, documentFingerprint, fingerprintOf, stampTrainingFile, type TrainingFile } from '../knowledge/learn/trainingData.js';
import { isRight } from '../eval/score.js';
import { accuracyAtTrafficMix, crossValidateLocale, judge, nestedCalibration, seenTopicAccuracy, trainOnlyTexts, type HeldOut } from '../eval/crossValidate.js';
import { UNDERSTANDING_DEFAULTS } from '../knowledge/learn/understanding.js';
import type { Decision } from '../knowledge/decide.js';
import { isUnder } from '../knowledge/passage.js';

let kb: KnowledgeBase;
beforeAll(() => {
  kb = loadKnowledgeBase(loadConfig({}).policyFiles);
});

const outcome = (d: Decision): string =>
  d.kind === 'answer' ? d.passageId : d.kind === 'flow' ? `flow:${d.flow}` : d.kind === 'smallTalk' ? `small:${d.intent}` : d.kind;

describe('cross-validation judges a held-out message by every outcome it accepts', () => {
  // The model starts minor consent for a message written for passage 7 (what minors need): right only when the
  // message's data says the flow is right too, as the scoring rules say for a message that needs both.
  const held: HeldOut = {
    locale: 'en-US', text: "I'm 15, can I shop on Buygogo?", key: '7', unseenTopic: false,
    understood: {
      ranked: [{ key: 'flow:minorConsent', kind: 'flow', score: 0.9 }, { key: '7', kind: 'passage', score: 0.08 }],
      passageMass: 0.08, truncated: false, passagesHaveData: true, isQuestion: true, knownWordShare: 1, terms: [], locale: 'en-US',
      lexical: { strength: 0, coverage: 1 },
    },
  };
  const settings = { ...UNDERSTANDING_DEFAULTS };
  it('wrong when the message accepts its passage only', () => {
    expect(judge(held, settings)).toMatchObject({ right: false, firstChoiceRight: false });
  });
  it('right when it also accepts the flow', () => {
    expect(judge({ ...held, alsoRight: ['flow:minorConsent'] }, settings)).toMatchObject({ right: true, firstChoiceRight: true });
  });
});

describe('a flow starts on words people use, not on the shape of a sentence', () => {
  it.each([
    ['somebody blorped my flimflam', 'en-US'],
    ['somebody splorked my gribble', 'en-US'],
  ])('%s → not a leak report', (text, locale) => {
    expect(kb.route(text, locale).kind).toBe('fallback');
  });
  it.each([
    ['somebody hacked my account', 'en-US'],
    ['my acc got haxxed', 'en-US'],
    ['我的号被盗了', 'zh-CN'],
  ])('%s → the leak report', (text, locale) => {
    expect(kb.route(text, locale)).toMatchObject({ kind: 'flow', flow: 'leakReport' });
  });
});

describe('cross-validation at a realistic mix of questions', () => {
  it('weighs each expected kind by its share of traffic, whatever its share of the training data', () => {
    const byGroup = new Map([
      ['en-US passage', { right: 1, total: 2 }], ['zh-CN passage', { right: 1, total: 2 }],
      ['en-US flow', { right: 1, total: 1 }],
      ['en-US fallback', { right: 0, total: 50 }], // many not-covered messages, all wrong: 13% of the weight, not 93%
      ['en-US unseen not-covered topic', { right: 0, total: 10 }],
    ]);
    expect(accuracyAtTrafficMix(byGroup)).toBeCloseTo(0.75 * 0.5 + 0.12 * 1 + 0.13 * 0, 6);
  });
});

describe('small talk gets small talk, never a policy answer or "not covered"', () => {
  it.each([
    ['hi', 'en-US'], ['thanks!', 'en-US'], ['ok', 'en-US'], ['no', 'en-US'], ['are you a real person?', 'en-US'],
    ['good morning', 'en-US'], ['你好', 'zh-CN'], ['谢谢', 'zh-CN'], ['不', 'zh-CN'], ['你是机器人吗', 'zh-CN'], ['好的', 'zh-CN'],
  ])('"%s"', (text, locale) => {
    const d = kb.route(text, locale);
    expect(d.kind).toBe('smallTalk');
  });
});

describe('data bound to the text it was written for', () => {
  const doc = loadPolicy(path.join(REPO_ROOT, 'knowledge/policy/buygogo-privacy-policy.en-US.txt'));
  const ip = doc.passages.find((p) => p.id === '1.2.1')!;
  const file: TrainingFile = {
    passages: { '1.2.1': { fingerprint: fingerprintOf(ip), utterances: ['do you log my ip'] } },
    notCovered: { retention: ['how long do you keep my data'] },
    notCoveredFor: documentFingerprint(doc.passages),
  };

  it('applies data whose fingerprint matches the passage', () => {
    const set = assembleTrainingSet([file], doc.passages);
    expect(set.utterances.get('1.2.1')).toEqual(['do you log my ip']);
    expect(set.utterances.get('none:retention')).toHaveLength(1);
    expect(set.stale).toEqual([]);
  });

  it('reports a revised passage as stale and never applies its old data', () => {
    const revised = doc.passages.map((p) => (p.id === '1.2.1' ? { ...p, text: `${p.text} We also record your MAC address.` } : p));
    const set = assembleTrainingSet([file], revised);
    expect(set.stale).toEqual(['1.2.1']);
    expect(set.utterances.has('1.2.1')).toBe(false);
    // "Not covered" was a claim about the old text: it is not applied to the new one either.
    expect(set.utterances.has('none:retention')).toBe(false);
    expect(set.staleTopics).toEqual(['retention']);
  });

  it('keeps the other outcomes a message also accepts, and trains on its own target only', () => {
    const minor: TrainingFile = {
      passages: { '1.2.1': { fingerprint: fingerprintOf(ip), utterances: [{ text: 'I am 15, do you log my ip', alsoRight: ['flow:minorConsent'] }, 'ip logging?'] } },
    };
    const set = assembleTrainingSet([minor], doc.passages);
    expect(set.utterances.get('1.2.1')).toEqual(['I am 15, do you log my ip', 'ip logging?']);
    expect(set.utterances.has('flow:minorConsent')).toBe(false);
    expect([...set.alsoRight.values()]).toEqual([['flow:minorConsent']]);
  });

  it('reads a message written as an object without other outcomes like a plain one', () => {
    const bare = { passages: { '1.2.1': { fingerprint: fingerprintOf(ip), utterances: [{ text: 'is my ip kept' }] } } } as unknown as TrainingFile;
    const set = assembleTrainingSet([bare], doc.passages);
    expect(set.utterances.get('1.2.1')).toEqual(['is my ip kept']);
    expect(set.alsoRight.size).toBe(0);
  });

  it('lists passages with no data of their own', () => {
    expect(assembleTrainingSet([], doc.passages).missing).toHaveLength(doc.passages.length);
  });

  it('stamping writes only a file whose stamps change, and leaves a stamped file as its author laid it out', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stamp-'));
    // A reviewed file in its own compact layout: stamping it again must not rewrite it.
    const stampedText = JSON.stringify({ passages: { '1.2.1': { fingerprint: fingerprintOf(ip), utterances: ['do you log my ip'] } } });
    const fresh = { passages: { '1.2.1': { utterances: ['ip?'] }, '9.9': { utterances: ['no such passage'] } } };
    fs.writeFileSync(path.join(dir, 'old.json'), stampedText);
    fs.writeFileSync(path.join(dir, 'new.json'), JSON.stringify(fresh));
    expect(stampTrainingFile(path.join(dir, 'old.json'), doc.passages).stamped).toEqual(['1.2.1']);
    expect(fs.readFileSync(path.join(dir, 'old.json'), 'utf8')).toBe(stampedText);
    expect(stampTrainingFile(path.join(dir, 'new.json'), doc.passages)).toEqual({ stamped: ['1.2.1'], unknown: ['9.9'] });
    const written = JSON.parse(fs.readFileSync(path.join(dir, 'new.json'), 'utf8')) as TrainingFile;
    expect(written.passages!['1.2.1']!.fingerprint).toBe(fingerprintOf(ip));
    expect(assembleTrainingSet([written], doc.passages).utterances.get('1.2.1')).toEqual(['ip?']);
  });
});

describe('another policy, loaded alone with no data of its own', () => {
  let other: KnowledgeBase;
  beforeAll(() => {
    other = loadKnowledgeBase([path.join(REPO_ROOT, 'test/fixtures/us-numbered-policy.txt')], { modelCacheDir: '' });
  });

  it('answers from its own passages', () => {
    const d = other.route('Do you sell my personal information?', 'en-US');
    expect(d.kind).toBe('answer');
    // The section that says so: "5. We do not sell your personal information…" (or a paragraph under it).
    const section = other.document('en-US').passages.find((p) => /do not sell/i.test(`${p.title} ${p.text}`))!;
    expect(isUnder((d as { passageId: string }).passageId, section.id.split('#')[0]!)).toBe(true);
  });

  it('never says "not covered" for a topic only Buygogo\'s policy leaves out', () => {
    const d = other.route('How long do you keep my information?', 'en-US');
    expect(d.kind === 'fallback' && d.reason === 'not-covered').toBe(false);
  });

  it('does not start Buygogo\'s flows on a general word', () => {
    for (const text of ['Why do you collect my data?', 'What information do you receive from other sources?', 'Do you need parental permission for children?']) {
      expect(outcome(other.route(text, 'en-US'))).not.toMatch(/^flow:(leakReport|dataRequest)/);
    }
  });
});

describe('question expansion learned from other websites\' policies (PolicyQA), for a policy with no data', () => {
  const policy = path.join(REPO_ROOT, 'test/fixtures/changes-policy.en-US.md');
  const question = 'How will users be informed about policy changes?';
  const first = (kb: KnowledgeBase): string => kb.search.find(question, 'en-US').hits.find((h) => h.kind === 'passage')!.key;
  const titled = (kb: KnowledgeBase, title: RegExp): string => kb.document('en-US').passages.find((p) => title.test(p.title))!.id;

  it('finds the passage that answers in other words ("revise", "post a notice"), over the one that shares the question\'s words', () => {
    const kb = loadKnowledgeBase([policy], { modelCacheDir: '' });
    expect(first(kb)).toBe(titled(kb, /revisions/i));
  });

  it('without the learned expansion, lexical retrieval takes the passage that only shares words', () => {
    const bare = fs.mkdtempSync(path.join(os.tmpdir(), 'kb-data-'));
    for (const f of fs.readdirSync(KNOWLEDGE_DATA_DIR)) if (!f.startsWith('expansion.')) fs.copyFileSync(path.join(KNOWLEDGE_DATA_DIR, f), path.join(bare, f));
    const kb = loadKnowledgeBase([policy], { modelCacheDir: '', knowledgeDataDir: bare });
    expect(first(kb)).toBe(titled(kb, /account settings/i));
    fs.rmSync(bare, { recursive: true, force: true });
  });

  it('learns what a question word leads to from answered questions, and keeps the question\'s own words strongest', () => {
    const passages = [['notify', 'post', 'revis'], ['account', 'chang', 'setting'], ['card', 'payment']];
    const examples = Array.from({ length: 6 }, () => ({ question: ['chang', 'policy'], passages, answeredBy: new Set([0]) }));
    const associations = learnAssociations(examples, { minSupport: 1 });
    expect(associations['chang']!.map(([t]) => t)).toEqual(expect.arrayContaining(['notify', 'post', 'revis']));
    expect(associations['chang']!.map(([t]) => t)).not.toContain('card');
    const query = expandQuestion(['chang', 'policy'], associations, 0.5);
    expect(query.get('chang')).toBe(1);
    expect(query.get('notify')).toBeLessThanOrEqual(0.5);
  });
});

describe('Chinese homophone typos (a pinyin input method\'s wrong pick)', () => {
  const zhTraining = (): string => fs.readdirSync(path.join(REPO_ROOT, 'knowledge/training/zh-CN'))
    .map((f) => fs.readFileSync(path.join(REPO_ROOT, 'knowledge/training/zh-CN', f), 'utf8')).join('\n');

  it('ranks "卫置" and "为置" (never in the training data) like "位置": the model hears the syllables', () => {
    const clean = kb.route('你们会收集我的位置信息吗', 'zh-CN');
    expect(outcome(clean)).toBe('1.2.2');
    for (const typo of ['卫置', '为置']) {
      expect(zhTraining().includes(typo)).toBe(false); // else this would test memory, not hearing
      expect(kb.search.find(`你们会收集我的${typo}信息吗`, 'zh-CN').hits[0]?.key).toBe('1.2.2');
    }
  });

  it('answers "为置" like "位置" (whether a typo is answered at all is the calibrated confidence\'s call: "卫置" now falls just short)', () => {
    expect(outcome(kb.route('你们会收集我的为置信息吗', 'zh-CN'))).toBe('1.2.2');
  });
});

describe('the homophone typist cross-validation uses (eval/homophones.ts)', () => {
  it('swaps exactly one character for a different one with the same syllable, the same way every time', () => {
    const typo = homophoneTypist('信息习惯位置味道');
    const typed = typo('我的信息')!;
    expect(typed).toBeDefined();
    const changed = [...typed].filter((c, i) => c !== [...'我的信息'][i]);
    expect(changed).toHaveLength(1);
    expect(['习', '息', '信']).toContain(changed[0]);
    expect(typo('我的信息')).toBe(typed);
    expect(typo('no Chinese here')).toBeUndefined();
  });
});

describe('a long story with a question inside', () => {
  it('is answered from the sentence that asks, when the whole message is too diluted to answer', () => {
    const story = 'I have been shopping on Buygogo for years and I really love the deals and the fast delivery to my town. '
      + 'Last week my brother told me that shopping apps quietly follow you around all day long. '
      + 'Can I switch off location tracking?';
    const d = kb.route(story, 'en-US');
    expect(d.kind).toBe('answer');
    expect(isUnder((d as { passageId: string }).passageId, '1.2.2')).toBe(true);
  });
});

describe('bounded work per message', () => {
  it('reads only the first part of an overlong message and says it was cut', () => {
    const started = performance.now();
    const d = kb.route(`Do you log my IP address? ${'a'.repeat(250_000)}`, 'en-US');
    expect(d.truncated).toBe(true);
    expect(performance.now() - started).toBeLessThan(2_000);
    const zh = kb.route('你'.repeat(80_000), 'zh-CN');
    expect(zh.truncated).toBe(true);
  });
});

describe('judging a new round of training data by the lines that were there before it (CV_TRAIN_ONLY)', () => {
  it('names every line of the round, of every kind, and no line of another file; an unknown round is an error', () => {
    const passages = loadPolicy(path.join(REPO_ROOT, 'knowledge/policy/buygogo-privacy-policy.en-US.txt')).passages;
    const round = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'knowledge/training/en-US/round7.json'), 'utf8')) as {
      flows: Record<string, (string | { text: string })[]>; notCovered: Record<string, string[]>;
    };
    const texts = trainOnlyTexts('en-US', passages, ['round7']);
    const flowLine = round.flows.leakReport![0]!;
    expect(texts.has(typeof flowLine === 'string' ? flowLine : flowLine.text)).toBe(true);
    expect(texts.has(round.notCovered.accountHelp![0]!)).toBe(true);
    expect(texts.size).toBeGreaterThan(400);
    expect(trainOnlyTexts('en-US', passages, []).size).toBe(0);
    expect(() => trainOnlyTexts('en-US', passages, ['no-such-round'])).toThrow(/CV_TRAIN_ONLY/);
  });
});

describe('accuracy floors', () => {
  it.each([
    // The dev set's floor is the bar (95% in each locale): 100% / 97.1% after round 9.
    ['the dev set', 'eval/questions.dev.jsonl', 0.95],
    ['the probe set (written by someone who never saw the training data)', 'eval/questions.probe.jsonl', 0.9],
    ['the second probe set (written the same way, after round 8)', 'eval/questions.probe2.jsonl', 0.9],
    ['the third probe set (written the same way, after round 9)', 'eval/questions.probe3.jsonl', 0.9],
    ['the fourth probe set (written the same way, after round 10: 98.1% / 99.2% blind)', 'eval/questions.probe4.jsonl', 0.9],
    ['the fifth probe set (written from personas in situations, after round 11: 96.7% / 95.4% blind)', 'eval/questions.probe5.jsonl', 0.9],
    ['the sixth probe set (look-alike pairs with different answers, after round 12: 95.8% / 100% blind)', 'eval/questions.probe6.jsonl', 0.9],
    ['the seventh probe set (a day\'s traffic, after round 12: 97.5% / 96.0% blind)', 'eval/questions.probe7.jsonl', 0.9],
  ] as const)('%s (validation only, never trained on) stays at or above its floor in each locale', (_name, file, floor) => {
    const lines = fs.readFileSync(path.join(REPO_ROOT, file), 'utf8').split('\n').filter(Boolean)
      .map((l) => JSON.parse(l) as { locale: string; text: string; expect: string[] });
    expect(lines.length).toBeGreaterThan(150);
    for (const locale of ['en-US', 'zh-CN']) {
      const mine = lines.filter((l) => l.locale === locale);
      const right = mine.filter((l) => {
        const d = kb.route(l.text, l.locale);
        const o = d.kind === 'smallTalk' ? 'fallback' : outcome(d);
        return isRight(o, l.expect);
      }).length;
      expect(right / mine.length).toBeGreaterThanOrEqual(floor);
    }
  });

  it('5-fold cross-validation on the training data, at the settings in use, stays at or above 90% in each locale (86% with whole topics held out too)', () => {
    // The settings as stored (thresholds chosen by `npm run eval -- --cv 5 --write`); each fold's calibrator is
    // fitted on the other folds, so nothing is judged by what it was fitted on. Plain accuracy (every held-out
    // message counts once): 86.9% / 87.3% after round 9, whose hard lines are held out too (88.2% / 88.2% after
    // round 8; 87.1% / 87.0% when the floor was first written at 85%).
    const settings = chosenSettings();
    const held = loadConfig({}).policyFiles.flatMap((file) => crossValidateLocale(file, 5, settings));
    const report = nestedCalibration(held)(settings);
    for (const locale of ['en-US', 'zh-CN']) {
      const { right, total } = report.byGroup.get(locale)!;
      expect(total).toBeGreaterThan(4000);
      expect(right / total).toBeGreaterThanOrEqual(0.86);
      // Standard k-fold (every class present in training; the bar): 92.2% / 91.6% after round 12 (92.2% / 92.0% after round 10).
      expect(seenTopicAccuracy(report.byGroup, locale)).toBeGreaterThanOrEqual(0.9);
    }
  }, 180_000);
});

describe('honest confidence (a calibrator fitted on held-out folds of the training data)', () => {
  it('learns which signal tells right first choices from wrong ones, and gives probabilities in order', () => {
    // Right when the first signal is high, whatever the noise in the second: the fit must find that.
    const rows = Array.from({ length: 400 }, (_, i) => {
      const strong = (i % 20) / 10 - 1;
      const noise = ((i * 7919) % 13) / 6 - 1;
      return { signals: [strong, noise], right: strong + 0.2 * noise > 0 };
    });
    const calibrator = fitCalibrator(rows);
    expect(Math.abs(calibrator.weights[0]!)).toBeGreaterThan(3 * Math.abs(calibrator.weights[1]!));
    const p = (x: number): number => calibratedProbability(calibrator, [x, 0]);
    expect(p(-0.9)).toBeLessThan(0.2);
    expect(p(0.9)).toBeGreaterThan(0.8);
    expect(p(0.5)).toBeGreaterThan(p(0.1));
  });

  it('decides Buygogo answers with the shipped calibrator: its threshold, not the old ones, says answer or fall back', () => {
    const settings = chosenSettings();
    expect(Object.keys(settings.calibration ?? {}).sort()).toEqual(['en-US', 'zh-CN']);
    const question = 'Do you share my information with third parties?';
    const answer = kb.route(question, 'en-US');
    expect(answer.kind).toBe('answer');
    expect(answer.confidence).toBeGreaterThanOrEqual(settings.calibratedThreshold);
    expect(answer.confidence).toBeLessThanOrEqual(1);
    expect(kb.route('what is the best rice cooker to buy', 'en-US').kind).toBe('fallback');
    // Demand more calibrated probability than this answer has: the same question now falls back.
    const strict = loadKnowledgeBase(loadConfig({}).policyFiles, { settings: { calibratedThreshold: Math.min(1, answer.confidence + 0.001) } });
    expect(strict.route(question, 'en-US').kind).toBe('fallback');
  });
});
