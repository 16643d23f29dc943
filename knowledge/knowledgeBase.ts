/**
 * Loads the configured policy files, their training data and reply aids, and
 * trains the understanding once, at start-up. Everything after this is in
 * memory.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Passage, PolicyDocument } from './passage.js';
import { loadPolicy } from './loadPolicy.js';
import { loadTokenizers as loadTokenizersFrom } from './search/tokenizers.js';
import type { Tokenizers } from './search/tokenize.js';
import { decide, type Decision, type FlowName, type SearchHit } from './decide.js';
import { detectStatedAge } from './detectAge.js';
import { requestsSomething } from './learn/features.js';
import { rememberingRoutes } from './routeCache.js';
import { assembleTrainingSet, fingerprintOf, readTrainingFiles, type TrainingSet } from './learn/trainingData.js';
import { cachedIntentModel, modelFile, type CachedModel, type ModelJob } from './learn/modelCache.js';
import type { Calibration } from './learn/calibration.js';
import type { LabelledText } from './learn/intentModel.js';
import {
  borrowedExamples, BORROWS_FROM, buildExamples, classesOf, createLocaleUnderstanding, UNDERSTANDING_DEFAULTS,
  type LocaleUnderstanding, type QuestionExpansion, type Understood, type UnderstandingSettings,
} from './learn/understanding.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
// Data stays in the source tree; compiled code in dist/knowledge reads it from there.
const SOURCE_DIR = HERE.split(path.sep).includes('dist') ? path.resolve(HERE, '../../knowledge') : HERE;
export const KNOWLEDGE_DATA_DIR = path.join(SOURCE_DIR, 'data');
export const TRAINING_DIR = path.join(SOURCE_DIR, 'training');

/** Reply aids for a passage: a plain summary and related passages. Bound to the passage text by fingerprint. */
export interface PassageAids {
  readonly fingerprint?: string;
  readonly summary: string;
  readonly questions: readonly string[];
  readonly keywords: readonly string[];
  readonly followUps: readonly string[];
}

export interface SearchResult {
  readonly hits: readonly SearchHit[];
  readonly confidence: number;
  readonly terms: readonly string[];
}

export interface PolicySearch {
  find(text: string, locale: string): SearchResult;
}

export interface KnowledgeBase {
  readonly locales: readonly string[];
  document(locale: string): PolicyDocument;
  passage(id: string, locale: string): Passage | undefined;
  /** Passages under `id` (its list items), in document order. */
  children(id: string, locale: string): readonly Passage[];
  aids(id: string, locale: string): PassageAids | undefined;
  readonly search: PolicySearch;
  /** What the assistant should do with this message. */
  route(text: string, locale: string): Decision;
  /** Per locale: which training data applied, and which was stale or missing. */
  readonly training: ReadonlyMap<string, TrainingSet>;
}

function readJson<T>(file: string, fallback: T): T {
  return fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as T) : fallback;
}

export interface KnowledgeOptions {
  /** Lexicons, reply aids and chosen settings (default knowledge/data). */
  readonly knowledgeDataDir?: string;
  readonly trainingDir?: string;
  readonly settings?: Partial<UnderstandingSettings>;
  /** Where trained models are kept between starts; '' trains every time. */
  readonly modelCacheDir?: string;
  /** Decisions remembered for repeated messages (routeCache.ts); 0 routes every message afresh. */
  readonly routeCacheSize?: number;
  /** The policy files already read with their data (preparePolicies), when the caller has them: not read again. */
  readonly prepared?: readonly PreparedPolicy[];
  /** Models this start has just trained, with their cache files: used as they are, not read back from the cache. */
  readonly trained?: readonly CachedModel[];
}

/**
 * The knowledge base's options as the server's configuration sets them: one place for the server's start
 * (bot/index.ts) and for an assistant built without a knowledge base given (bot/createAssistant.ts).
 */
export const knowledgeOptionsOf = (config: { readonly modelCacheDir: string; readonly routeCacheSize: number }): KnowledgeOptions =>
  ({ modelCacheDir: config.modelCacheDir, routeCacheSize: config.routeCacheSize });

/** Trained models, by a hash of what they were trained on (disposable; git-ignored). */
export const MODEL_CACHE_DIR = path.resolve(SOURCE_DIR, '..', '.cache', 'models');

/** Settings that cross-validation chose (`npm run eval -- --cv 5 --write`), or the defaults. */
export function chosenSettings(dataDir = KNOWLEDGE_DATA_DIR): UnderstandingSettings {
  const chosen = readJson<Partial<UnderstandingSettings>>(path.join(dataDir, 'understanding.json'), {});
  return { ...UNDERSTANDING_DEFAULTS, ...pickSettings(chosen) };
}

/** The tokenizers of `dataDir`'s lexicons (search/tokenizers.ts); the knowledge data's by default. */
export const loadTokenizers = (dataDir = KNOWLEDGE_DATA_DIR, options: { plain?: boolean } = {}): Tokenizers => loadTokenizersFrom(dataDir, options);

export function loadKnowledgeBase(policyFiles: readonly string[], options: KnowledgeOptions = {}): KnowledgeBase {
  const dataDir = options.knowledgeDataDir ?? KNOWLEDGE_DATA_DIR;
  const settings = { ...chosenSettings(dataDir), ...pickSettings(options.settings ?? {}) };
  const prepared = new Map((options.prepared ?? preparePolicies(policyFiles, options)).map((p) => [p.doc.locale, p]));
  if (prepared.size === 0) throw new Error('No policy files configured (POLICY_FILES).');
  const documents = new Map([...prepared].map(([locale, p]) => [locale, p.doc]));
  const tokenizers = loadTokenizers(dataDir);
  const plainTokenizers = loadTokenizers(dataDir, { plain: true });
  const openers = ['lexicon.en-US.json', 'lexicon.zh-CN.json']
    .flatMap((f) => readJson<{ questionOpeners?: string[] }>(path.join(dataDir, f), {}).questionOpeners ?? []);
  const lexiconSalt = lexiconSaltOf(dataDir);

  const aidsByLocale = new Map<string, Map<string, PassageAids>>();
  const training = new Map<string, TrainingSet>();
  const understandings = new Map<string, LocaleUnderstanding>();
  for (const { doc, set, examples, classes } of prepared.values()) {
    aidsByLocale.set(doc.locale, applicableAids(readJson(path.join(dataDir, `passages.${doc.locale}.json`), {}), doc.passages));
    training.set(doc.locale, set);
    const model = cachedIntentModel(examples, classes, doc.locale, tokenizers, options.modelCacheDir ?? MODEL_CACHE_DIR, lexiconSalt, options.trained);
    const expansion = readJson<QuestionExpansion | undefined>(path.join(dataDir, `expansion.${doc.locale}.json`), undefined);
    understandings.set(doc.locale, createLocaleUnderstanding(
      doc.locale, doc.passages, examples, classes, tokenizers, settings, model, openers, plainTokenizers, expansion,
    ));
  }

  const fallbackLocale = documents.has('en-US') ? 'en-US' : [...documents.keys()][0]!;
  const document = (locale: string): PolicyDocument => documents.get(locale) ?? documents.get(fallbackLocale)!;
  // The message's script chooses the policy text: an English question in a Chinese conversation searches the English one.
  const understandingFor = (text: string, locale: string): LocaleUnderstanding => {
    const wanted = /\p{Script=Han}/u.test(text) ? 'zh-CN' : /[a-z]/i.test(text) ? 'en-US' : locale;
    return understandings.get(wanted) ?? understandings.get(locale) ?? understandings.get(fallbackLocale)!;
  };

  return {
    locales: [...documents.keys()],
    document,
    passage: (id, locale) => document(locale).passages.find((p) => p.id === id),
    children: (id, locale) => document(locale).passages.filter((p) => p.id !== id && isDirectOrDeeper(p.id, id)),
    aids: (id, locale) => (aidsByLocale.get(locale) ?? aidsByLocale.get(fallbackLocale))?.get(id),
    search: {
      find(text, locale) {
        const understood = understandingFor(text, locale).understand(text);
        return { hits: understood.ranked.slice(0, 8), confidence: understood.ranked[0]?.score ?? 0, terms: understood.terms };
      },
    },
    route: rememberingRoutes((text, locale) => {
      const whole = decide(text, understandingFor(text, locale).understand(text), settings);
      if (whole.kind === 'flow') {
        const asked = questionInStory(text, whole.flow, (s) => understandingFor(s, locale).understand(s), settings);
        return asked ? { ...asked, truncated: whole.truncated } : whole;
      }
      // A long story dilutes its question ("I work in IT… I saw the app send the Android ID. What is it for?"):
      // when the whole message would go unanswered for low confidence, each sentence is read on its own.
      const sentences = whole.kind === 'fallback' && whole.reason === 'low-confidence' ? splitSentences(text) : [];
      if (sentences.length < 2) return whole;
      const best = sentences
        .map((s) => decide(s, understandingFor(s, locale).understand(s), settings))
        .filter((d) => d.kind === 'answer' || d.kind === 'flow')
        .sort((a, b) => b.confidence - a.confidence)[0];
      return best ? { ...best, truncated: whole.truncated } : whole;
    }, options.routeCacheSize),
    training,
  };
}

/** A sentence that is a question as written: it ends with a question mark (or, in Chinese, with 吗). */
const ASKED = /(?:[?？]|\p{Script=Han}吗)\s*$/u;

/**
 * A question told inside a story ("My bank card was stolen last month. Do you store card numbers in the app?")
 * reads as a whole like the flow the story is about, but what the user asked is the question. When the message
 * requests nothing ("I want…", "please…", "report…" keep the flow), states no age, and one of its sentences
 * written as a question is answered from a passage on its own, that answer is given with the story's flow offered
 * beside it: the user gets the answer they asked for and keeps the report one tap away.
 */
function questionInStory(
  text: string, flow: FlowName, understand: (sentence: string) => Understood, settings: UnderstandingSettings,
): Decision | undefined {
  if (requestsSomething(text) || detectStatedAge(text) !== undefined) return undefined;
  const sentences = splitSentences(text);
  if (sentences.length < 2) return undefined;
  let best: Extract<Decision, { kind: 'answer' }> | undefined;
  for (const sentence of sentences) {
    if (!ASKED.test(sentence)) continue;
    const d = decide(sentence, understand(sentence), settings);
    if (d.kind === 'answer' && (!best || d.confidence > best.confidence)) best = d;
  }
  return best && { ...best, offerFlow: flow };
}

/** What a model's cache key depends on besides its examples: the normalisation data. */
function lexiconSaltOf(dataDir: string): string {
  return ['lexicon.en-US.json', 'lexicon.zh-CN.json'].map((f) => readJson(path.join(dataDir, f), {})).map((d) => JSON.stringify(d)).join('\n');
}

/** A policy file read with its training data: what its model is trained from (the cache key hashes these). */
export interface PreparedPolicy {
  readonly file: string;
  readonly doc: PolicyDocument;
  readonly set: TrainingSet;
  readonly examples: LabelledText[];
  readonly classes: string[];
}

/**
 * Reads each policy file and its language's training data once, with the lines it borrows from another loaded
 * policy's language (BORROWS_FROM). A start does this first to know which models the cache lacks, then hands
 * the result to the knowledge base (`prepared`) instead of reading everything a second time.
 */
export function preparePolicies(policyFiles: readonly string[], options: KnowledgeOptions = {}): PreparedPolicy[] {
  const trainingDir = options.trainingDir ?? TRAINING_DIR;
  const read = policyFiles.map((file) => {
    const doc = loadPolicy(file);
    return { file, doc, set: assembleTrainingSet(readTrainingFiles(path.join(trainingDir, doc.locale)), doc.passages) };
  });
  return read.map(({ file, doc, set }) => {
    const lender = read.find((r) => r.file !== file && r.doc.locale === BORROWS_FROM[doc.locale]);
    return { file, doc, set, examples: buildExamples(set, doc.passages, lender ? borrowedFrom(set, lender) : []), classes: classesOf(set, doc.passages) };
  });
}

/**
 * The lines a policy's model borrows from the policy of the language it borrows from (BORROWS_FROM), when that
 * policy is loaded too: for targets both have data for (so both texts are the ones the data was written for).
 */
function borrowedFrom(own: TrainingSet, lender: { doc: PolicyDocument; set: TrainingSet }): LabelledText[] {
  const targets = new Set([...own.utterances.keys()].filter((key) => lender.set.utterances.has(key)));
  return borrowedExamples(lender.set, lender.doc.passages, targets);
}

/**
 * The models the cache lacks (a start would train them), each with everything its training needs, so whoever
 * trains it (this thread or a worker) does not read and assemble the data again. Cheap: hashes, trains nothing.
 */
export function missingModels(prepared: readonly PreparedPolicy[], options: KnowledgeOptions = {}): ModelJob[] {
  const cacheDir = options.modelCacheDir ?? MODEL_CACHE_DIR;
  if (!cacheDir) return [];
  const dataDir = options.knowledgeDataDir ?? KNOWLEDGE_DATA_DIR;
  const salt = lexiconSaltOf(dataDir);
  return prepared
    .map(({ file, doc, examples, classes }): ModelJob => ({ file, examples, classes, locale: doc.locale, salt, cacheDir, dataDir }))
    .filter((job) => !fs.existsSync(modelFile(cacheDir, job.examples, job.classes, job.locale, job.salt)));
}

/** Sentences long enough to stand alone as a question (3+ words, or 6+ Chinese characters). */
export function splitSentences(text: string): string[] {
  return (text.match(/[^.!?。！？]+[.!?。！？]?/gu) ?? [])
    .map((s) => s.trim())
    .filter((s) => s.split(/\s+/).length >= 3 || (s.match(/\p{Script=Han}/gu) ?? []).length >= 6);
}

/** Aids written for a different text of a passage are not applied to it. */
function applicableAids(all: Record<string, PassageAids>, passages: readonly Passage[]): Map<string, PassageAids> {
  const out = new Map<string, PassageAids>();
  for (const p of passages) {
    const aids = all[p.id];
    if (aids?.fingerprint && aids.fingerprint === fingerprintOf(p)) out.set(p.id, aids);
  }
  return out;
}

function isDirectOrDeeper(id: string, ancestor: string): boolean {
  return id.startsWith(`${ancestor}.`);
}

// Config objects and JSON files carry more than the settings: take only their keys.
function pickSettings(t: Partial<UnderstandingSettings>): Partial<UnderstandingSettings> {
  const keys = [
    'blend', 'sharpness', 'threshold', 'flowThreshold', 'shareThreshold', 'noDataBlend', 'noDataShareThreshold',
    'noDataThreshold', 'calibratedThreshold',
  ] as const;
  const out: { -readonly [K in (typeof keys)[number]]?: number } & { calibration?: Calibration } = {};
  for (const k of keys) if (typeof t[k] === 'number') out[k] = t[k];
  if (t.calibration && typeof t.calibration === 'object') out.calibration = t.calibration;
  return out;
}
