/**
 * The training data is kept apart from evaluation: no written utterance is a line of the dev set. The dev set
 * is a validation set (eval/README.md), and a line trained on would be measured as understood when it was only
 * remembered. Compared after folding case, width and punctuation, so "Do you log my IP address?" and "do you
 * log my ip address" are the same line.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, REPO_ROOT } from '../config/config.js';
import { TRAINING_DIR } from '../knowledge/knowledgeBase.js';
import { assembleTrainingSet, readTrainingFiles } from '../knowledge/learn/trainingData.js';
import { loadPolicy } from '../knowledge/loadPolicy.js';

const folded = (text: string): string => text.normalize('NFKC').toLowerCase().replace(/[^\p{L}\p{N}]+/gu, ' ').trim();

describe('training data apart from the dev set', () => {
  it('holds no line of the dev set, in either language', () => {
    const dev = new Map(fs.readFileSync(path.join(REPO_ROOT, 'eval/questions.dev.jsonl'), 'utf8').split('\n').filter(Boolean)
      .map((l) => JSON.parse(l) as { id: string; text: string }).map((l) => [folded(l.text), l.id]));
    const found: string[] = [];
    for (const file of loadConfig({}).policyFiles) {
      // What the model learns from: every applied utterance of every target (passages, flows, topics, small talk).
      const doc = loadPolicy(file);
      const texts = [...assembleTrainingSet(readTrainingFiles(path.join(TRAINING_DIR, doc.locale)), doc.passages).utterances.values()].flat();
      expect(texts.length).toBeGreaterThan(5000);
      for (const t of texts) if (dev.has(folded(t))) found.push(`${dev.get(folded(t))}: ${t}`);
    }
    expect(found).toEqual([]);
  });
});
