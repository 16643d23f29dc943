/**
 * The learning loop end to end, on a copy of the training data: a question the
 * assistant falls back on is attached to a flow in Improve, reviewed, applied
 * with apply-suggestions; after a restart (a new knowledge base) it routes to
 * that flow. Pending suggestions change nothing.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY_FILES, REPO_ROOT } from '../../config/config.js';
import { loadKnowledgeBase, TRAINING_DIR } from '../../knowledge/knowledgeBase.js';
import { loadPolicy } from '../../knowledge/loadPolicy.js';
import { addSuggestion, applySuggestions, reviewSuggestion } from '../../desk/improve.js';
import { tempDataDir } from '../support.js';

describe('suggestions reach the model after review', () => {
  it('a fallback question attached to a flow routes there after apply-suggestions and a restart', () => {
    const dir = tempDataDir();
    fs.cpSync(path.join(TRAINING_DIR, 'en-US'), path.join(dir, 'en-US'), { recursive: true });
    fs.rmSync(path.join(dir, 'en-US', 'suggested.json'), { force: true });
    const policy = path.resolve(REPO_ROOT, DEFAULT_POLICY_FILES[0]!);
    const question = 'somebody zorblaxed my quibbleton';
    const start = () => loadKnowledgeBase([policy], { trainingDir: dir, modelCacheDir: path.join(dir, 'models') });

    expect(start().route(question, 'en-US').kind).toBe('fallback');
    addSuggestion(dir, { locale: 'en-US', text: question, target: 'flow:leakReport', by: 'anna' });
    addSuggestion(dir, { locale: 'en-US', text: 'zorblax quibbleton refund', target: 'none:refunds', by: 'anna' });
    reviewSuggestion(dir, 0, 'ben');
    const passages = loadPolicy(policy).passages;
    expect(applySuggestions(dir, (l) => (l === 'en-US' ? passages : undefined))).toEqual({ 'en-US': 1 });

    const decision = start().route(question, 'en-US');
    expect(decision).toMatchObject({ kind: 'flow', flow: 'leakReport' });
  }, 300_000);
});
