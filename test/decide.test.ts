/** The decision's claims about the policy (knowledge/decide.ts), on understandings built by hand. */
import { describe, expect, it } from 'vitest';
import { decide, knownNotCovered, KNOWN_TOPIC_PROBABILITY } from '../knowledge/decide.js';
import { preferCautious, type CvReport } from '../eval/crossValidate.js';
import { UNDERSTANDING_DEFAULTS, type Understood } from '../knowledge/learn/understanding.js';

function understood(ranked: Understood['ranked']): Understood {
  return {
    ranked, passageMass: ranked.filter((r) => r.kind === 'passage').reduce((s, r) => s + r.score, 0), truncated: false,
    passagesHaveData: true, isQuestion: true, knownWordShare: 1, terms: ['retain'], locale: 'en-US', lexical: { strength: 0, coverage: 0 },
  };
}

describe('decide', () => {
  it('says a topic is not covered only when the topic holds most of the probability', () => {
    const sure = decide('how long do you retain my data', understood([
      { key: 'none:retention', kind: 'none', score: KNOWN_TOPIC_PROBABILITY + 0.1 }, { key: '1.1', kind: 'passage', score: 0.3 },
    ]), UNDERSTANDING_DEFAULTS);
    expect(sure).toMatchObject({ kind: 'fallback', reason: 'not-covered', topic: 'retention' });
    expect(knownNotCovered(sure)).toBe(true);

    const merelyFirst = decide('zorbly wimbat', understood([
      { key: 'none:retention', kind: 'none', score: 0.3 }, { key: '1.1', kind: 'passage', score: 0.25 }, { key: 'small:greeting', kind: 'small', score: 0.2 },
    ]), UNDERSTANDING_DEFAULTS);
    expect(merelyFirst).toMatchObject({ kind: 'fallback', reason: 'low-confidence', topic: 'retention' });
    expect(knownNotCovered(merelyFirst)).toBe(false);
  });
});

describe('on a policy with no data of its own', () => {
  const noData = (ranked: Understood['ranked'], over: Partial<Understood> = {}): Understood => ({
    ...understood(ranked), passagesHaveData: false, isQuestion: false, lexical: { strength: 0.6, coverage: 0.8, topPassage: '6' }, ...over,
  });
  const weakSmallTalk: Understood['ranked'] = [
    { key: 'small:thanks', kind: 'small', score: 0.3 }, { key: 'flow:dataRequest', kind: 'flow', score: 0.2 },
    { key: '6', kind: 'passage', score: 0.25 }, { key: '2', kind: 'passage', score: 0.05 },
  ];
  const settings = { ...UNDERSTANDING_DEFAULTS, threshold: 0.7, flowThreshold: 0.4, noDataThreshold: 0.15, noDataShareThreshold: 0 };

  it('a weak first choice of small talk or a flow gives way to the passages (its many examples drew the probability)', () => {
    expect(decide('cookie settings for advertising partners', noData(weakSmallTalk), settings)).toMatchObject({ kind: 'answer', passageId: '6' });
    const weakFlow = [weakSmallTalk[1]!, weakSmallTalk[2]!, weakSmallTalk[0]!, weakSmallTalk[3]!].map((r, i) => (i === 0 ? { ...r, score: 0.35 } : r));
    expect(decide('cookie settings for advertising partners', noData(weakFlow), settings)).toMatchObject({ kind: 'answer', passageId: '6' });
  });

  it('but not for gibberish, nor where the policy shares no word, nor where the policy has data', () => {
    expect(decide('zorbly wimbat', noData(weakSmallTalk, { knownWordShare: 0.2 }), settings)).toMatchObject({ kind: 'fallback' });
    expect(decide('zorbly wimbat', noData(weakSmallTalk, { lexical: { strength: 0, coverage: 0 } }), settings)).toMatchObject({ kind: 'fallback' });
    expect(decide('cookie settings', { ...noData(weakSmallTalk), passagesHaveData: true }, settings)).toMatchObject({ kind: 'fallback' });
  });
});

describe('choosing a threshold by cross-validation', () => {
  const report = (calibratedThreshold: number, accuracy: number): CvReport =>
    ({ accuracy, settings: { calibratedThreshold } } as unknown as CvReport);

  it('takes the most accurate, and among reports tied with it (within 0.1 point) the highest threshold', () => {
    const pick = (reports: CvReport[]) => preferCautious(reports, (r) => r.settings.calibratedThreshold).settings.calibratedThreshold;
    expect(pick([report(0.3, 0.870), report(0.35, 0.875), report(0.4, 0.8745), report(0.45, 0.870)])).toBe(0.4);
    expect(pick([report(0.3, 0.870), report(0.35, 0.880), report(0.4, 0.8785)])).toBe(0.35); // 0.15 point apart: no tie
  });
});
