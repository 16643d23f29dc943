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

describe('choosing a threshold by cross-validation', () => {
  const report = (calibratedThreshold: number, accuracy: number): CvReport =>
    ({ accuracy, settings: { calibratedThreshold } } as unknown as CvReport);

  it('takes the most accurate, and among reports tied with it (within 0.1 point) the highest threshold', () => {
    const pick = (reports: CvReport[]) => preferCautious(reports, (r) => r.settings.calibratedThreshold).settings.calibratedThreshold;
    expect(pick([report(0.3, 0.870), report(0.35, 0.875), report(0.4, 0.8745), report(0.45, 0.870)])).toBe(0.4);
    expect(pick([report(0.3, 0.870), report(0.35, 0.880), report(0.4, 0.8785)])).toBe(0.35); // 0.15 point apart: no tie
  });
});
