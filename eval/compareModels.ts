/**
 * `npm run compare-models`: the model comparison behind the choice of classifier. 5-fold cross-validation on the
 * training data (never the dev set), each locale, the folds of `--cv` (crossValidate.ts foldOf, `CV_SEED` too) for every model: each model learns the fold's
 * written lines and the passages' own sentences (intentModel.ts derivedExamples), and is judged by its first
 * choice alone (the class it ranks first is the target or one the scoring rules also accept). That isolates the
 * classifier: the assistant's answer adds BM25 and calibrated thresholds on top (`npm run eval -- --cv 5`,
 * whose `CV_FEATURES` compares feature sets inside the whole decision).
 *
 * Models:
 * - softmax regression over all of the assistant's features (words, pairs, character n-grams, pinyin, mood);
 * - the same over words, word pairs and mood only (no character n-grams, no Chinese characters, no pinyin);
 * - NLP.js's NLU (@nlpjs/nlu NluNeural with its English or Chinese tokenizer and stemmer), the classifier
 *   behind node-nlp, trained on the same lines (it takes no example weights).
 */
import path from 'node:path';
import { containerBootstrap } from '@nlpjs/core';
import { NluNeural } from '@nlpjs/nlu';
import { LangEn } from '@nlpjs/lang-en-min';
import { LangZh } from '@nlpjs/lang-zh';
import { DEFAULT_POLICY_FILES, REPO_ROOT } from '../config/config.js';
import { loadTokenizers, TRAINING_DIR } from '../knowledge/knowledgeBase.js';
import { loadPolicy } from '../knowledge/loadPolicy.js';
import { isUnder } from '../knowledge/passage.js';
import { alsoRightKey, assembleTrainingSet, readTrainingFiles } from '../knowledge/learn/trainingData.js';
import { derivedExamples, trainIntentModel, type FeatureKinds, type LabelledText } from '../knowledge/learn/intentModel.js';
import { balance, classesOf } from '../knowledge/learn/understanding.js';
import { foldOf } from './crossValidate.js';

const K = 5;
const WORDS_ONLY: FeatureKinds = new Set(['w', 'b', 'm']);


interface Tally { right: number; total: number; trainMs: number }
type Classify = (text: string) => Promise<string | undefined> | string | undefined;
type Trainer = (examples: readonly LabelledText[], classes: readonly string[], locale: string) => Promise<Classify>;

const tokenizers = loadTokenizers();

const TRAINERS: Record<string, Trainer> = {
  'softmax, all features (the assistant)': async (examples, classes, locale) => firstOf(trainIntentModel(balance(examples), classes, locale, tokenizers), classes),
  'softmax, words and pairs only': async (examples, classes, locale) => firstOf(trainIntentModel(balance(examples), classes, locale, tokenizers, {}, WORDS_ONLY), classes),
  'NLP.js NluNeural': async (examples, _classes, locale) => {
    const container = await containerBootstrap();
    container.use(locale.startsWith('zh') ? LangZh : LangEn);
    const nlu = new NluNeural({ container, locale: locale.slice(0, 2), log: false });
    await nlu.train(examples.map((e) => ({ utterance: e.text, intent: e.key })));
    return async (text) => (await nlu.process(text)).classifications?.[0]?.intent;
  },
};

function firstOf(model: ReturnType<typeof trainIntentModel>, classes: readonly string[]): Classify {
  return (text) => {
    const p = model.predict(text);
    let best = 0;
    for (let c = 1; c < p.length; c++) if (p[c]! > p[best]!) best = c;
    return classes[best];
  };
}

async function main(): Promise<void> {
  const tallies = new Map<string, Tally>();
  const locales: string[] = [];
  for (const file of DEFAULT_POLICY_FILES) {
    const doc = loadPolicy(path.resolve(REPO_ROOT, file));
    locales.push(doc.locale);
    const set = assembleTrainingSet(readTrainingFiles(path.join(TRAINING_DIR, doc.locale)), doc.passages);
    const classes = classesOf(set, doc.passages);
    for (let fold = 0; fold < K; fold++) {
      const train: LabelledText[] = [];
      const test: { text: string; accepted: string[] }[] = [];
      for (const [key, list] of set.utterances) {
        for (const text of list) {
          if (foldOf(text, K) === fold) test.push({ text, accepted: [key, ...(set.alsoRight.get(alsoRightKey(key, text)) ?? [])] });
          else train.push({ text, key, weight: 1 });
        }
      }
      const examples = [...train, ...derivedExamples(doc.passages)];
      for (const [name, trainer] of Object.entries(TRAINERS)) {
        const started = performance.now();
        const classify = await trainer(examples, classes, doc.locale);
        const trainMs = performance.now() - started;
        let right = 0;
        for (const t of test) {
          const got = await classify(t.text);
          // A passage target accepts its parts ("4" accepts "4#2"), as eval/crossValidate.ts judges.
          if (got && t.accepted.some((a) => got === a || isUnder(got, a))) right++;
        }
        for (const key of [`${name} | ${doc.locale}`, `${name} | both`]) {
          const tally = tallies.get(key) ?? { right: 0, total: 0, trainMs: 0 };
          tally.right += right;
          tally.total += test.length;
          tally.trainMs += trainMs;
          tallies.set(key, tally);
        }
      }
      console.error(`${doc.locale} fold ${fold + 1}/${K} done`);
    }
  }
  console.log(`\n${K}-fold cross-validation on knowledge/training, first choice of the classifier alone (no BM25, no thresholds)`);
  const models = Object.keys(TRAINERS);
  const scopes = [...locales, 'both'];
  const order = (key: string): number => models.indexOf(key.split(' | ')[0]!) * 10 + scopes.indexOf(key.split(' | ')[1]!);
  const rows = [...tallies].sort(([a], [b]) => order(a) - order(b));
  for (const [key, t] of rows) {
    console.log(`  ${key.padEnd(52)} ${(100 * t.right / t.total).toFixed(1).padStart(5)}%  (${t.right}/${t.total})  training ${(t.trainMs / K / 1000).toFixed(1)} s a fold`);
  }
}

await main();
