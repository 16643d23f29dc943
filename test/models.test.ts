/**
 * A start with no trained models: `kb train` (what the build and a cold start do) trains the languages' models
 * side by side (a worker thread each, or the starting thread for one when there are more models than cores)
 * into the cache; the next start finds them there, and the start that trained them uses them as handed over.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY_FILES, REPO_ROOT } from '../config/config.js';
import { loadKnowledgeBase, preparePolicies } from '../knowledge/knowledgeBase.js';
import { readModelFile } from '../knowledge/learn/modelCache.js';
import { startTrainingMissingModels } from '../knowledge/trainModels.js';

const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'models-'));
afterAll(() => fs.rmSync(cache, { recursive: true, force: true }));

const train = (): string => {
  const run = spawnSync(process.execPath, ['--import', 'tsx', 'knowledge/cli.ts', 'train', '--cache', cache], { cwd: REPO_ROOT, encoding: 'utf8' });
  expect(run.stderr).toBe('');
  expect(run.status).toBe(0);
  return run.stdout;
};

describe('models a start lacks', () => {
  it('are trained side by side into the cache, and found there the next time', () => {
    expect(train()).toMatch(/2 trained/);
    const files = fs.readdirSync(cache).sort();
    expect(files).toEqual([expect.stringMatching(/^en-US-.*\.model\.bin$/), expect.stringMatching(/^zh-CN-.*\.model\.bin$/)]);
    expect(train()).toMatch(/0 trained.*2 from the cache/);
  }, 60_000);

  it('a cut-off model file is trained again, not trusted: the assistant still answers', () => {
    const en = fs.readdirSync(cache).find((f) => f.startsWith('en-US-'))!;
    const file = path.join(cache, en);
    const whole = fs.statSync(file).size;
    fs.truncateSync(file, Math.floor(whole / 2)); // a disk that filled up, a copy cut short
    const kb = loadKnowledgeBase(DEFAULT_POLICY_FILES.map((f) => path.resolve(REPO_ROOT, f)), { modelCacheDir: cache });
    expect(kb.route('Do you log my IP address?', 'en-US')).toMatchObject({ kind: 'answer', passageId: '1.2.1' });
    expect(fs.statSync(file).size).toBe(whole); // and written whole again
  }, 60_000);
});

describe('a start that trains', () => {
  // bot/index.ts loads the Bot Framework once training leaves a core free (runningAtMost(cores - 1)).
  it('tells when only one training is left, before all are done, and that nothing is left to train the next time', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'models-running-'));
    try {
      const files = DEFAULT_POLICY_FILES.map((f) => path.resolve(REPO_ROOT, f));
      const training = startTrainingMissingModels(files, { modelCacheDir: dir });
      let done = false;
      void training.done.then(() => { done = true; });
      await training.runningAtMost(1);
      expect(fs.readdirSync(dir).filter((f) => f.endsWith('.model.bin'))).toHaveLength(1); // the first is in the cache
      expect(done).toBe(false);
      await training.runningAtMost(0);
      expect((await training.done).map((t) => path.basename(t.policyFile)).sort()).toEqual(files.map((f) => path.basename(f)).sort());
      expect(fs.readdirSync(dir).filter((f) => f.endsWith('.model.bin'))).toHaveLength(2);

      const again = startTrainingMissingModels(files, { modelCacheDir: dir });
      await again.runningAtMost(0);
      expect(await again.done).toEqual([]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('the models a start trained', () => {
  const files = DEFAULT_POLICY_FILES.map((f) => path.resolve(REPO_ROOT, f));

  it('come back from every thread whole (the ones stored), and the knowledge base uses them without reading the cache', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'models-handed-'));
    try {
      const prepared = preparePolicies(files, { modelCacheDir: dir });
      // One core: the starting thread trains one model and a worker the other.
      const trained = await startTrainingMissingModels(files, { modelCacheDir: dir, prepared }, { cores: 1 }).done;
      expect(trained.map((t) => path.basename(t.policyFile)).sort()).toEqual(files.map((f) => path.basename(f)).sort());
      const bytes = (a: Float32Array): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
      for (const t of trained) {
        const stored = readModelFile(t.file)!;
        expect(stored.vocabulary).toEqual(t.trained.vocabulary);
        expect(Buffer.compare(bytes(stored.model.weights), bytes(t.trained.model.weights))).toBe(0);
        expect(Buffer.compare(bytes(stored.model.bias), bytes(t.trained.model.bias))).toBe(0);
      }
      // The cache emptied: a knowledge base given the models answers without training (which would store them again).
      fs.rmSync(dir, { recursive: true, force: true });
      const kb = loadKnowledgeBase(files, { modelCacheDir: dir, prepared, trained });
      expect(kb.route('Do you log my IP address?', 'en-US')).toMatchObject({ kind: 'answer', passageId: '1.2.1' });
      expect(kb.route('你们会收集我的位置信息吗', 'zh-CN')).toMatchObject({ kind: 'answer' });
      expect(fs.existsSync(dir)).toBe(false);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
