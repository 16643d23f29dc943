/**
 * Loads the configured policy files with their search aids and builds the
 * search index once, at start-up. Everything after this is in memory.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Passage, PolicyDocument } from './passage.js';
import { loadPolicy } from './loadPolicy.js';
import { createSearch, type PassageAids, type PolicySearch, type TopicData } from './search/createSearch.js';
import type { LexiconData } from './search/lexicon.js';
import { decide, DECIDE_DEFAULTS, type Decision, type DecideOptions } from './decide.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
// Data JSON stays in the source tree; compiled code in dist/knowledge reads it from there.
export const KNOWLEDGE_DATA_DIR = HERE.split(path.sep).includes('dist')
  ? path.resolve(HERE, '../../knowledge/data')
  : path.resolve(HERE, 'data');

export interface KnowledgeBase {
  readonly locales: readonly string[];
  document(locale: string): PolicyDocument;
  passage(id: string, locale: string): Passage | undefined;
  aids(id: string, locale: string): PassageAids | undefined;
  readonly search: PolicySearch;
  /** Search and decide in one step: what the assistant should do with this message. */
  route(text: string, locale: string): Decision;
}

function readJson<T>(file: string, fallback: T): T {
  return fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as T) : fallback;
}

export function loadKnowledgeBase(policyFiles: readonly string[], tuning: Partial<DecideOptions> = {}, dataDir = KNOWLEDGE_DATA_DIR): KnowledgeBase {
  let decideOptions: DecideOptions = { ...DECIDE_DEFAULTS, ...pick(tuning) };
  const documents = new Map<string, PolicyDocument>();
  for (const file of policyFiles) {
    const doc = loadPolicy(file);
    documents.set(doc.locale, doc);
  }
  if (documents.size === 0) throw new Error('No policy files configured (POLICY_FILES).');
  const aidsByLocale = new Map<string, Record<string, PassageAids>>();
  const corpora = [...documents.values()].map((doc) => {
    const aids = readJson<Record<string, PassageAids>>(path.join(dataDir, `passages.${doc.locale}.json`), {});
    aidsByLocale.set(doc.locale, aids);
    const topics = readJson<TopicData>(path.join(dataDir, `topics.${doc.locale}.json`), { flows: {}, notCovered: {} });
    return { locale: doc.locale, passages: doc.passages, aids, topics };
  });
  const emptyLexicon: LexiconData = { phrases: {}, synonyms: [], fillers: [], stopwords: [] };
  const lexicons = {
    en: readJson<LexiconData>(path.join(dataDir, 'lexicon.en-US.json'), emptyLexicon),
    zh: readJson<LexiconData>(path.join(dataDir, 'lexicon.zh-CN.json'), emptyLexicon),
  };
  const search = createSearch(corpora, lexicons);
  decideOptions = { ...decideOptions, questionOpeners: [...(lexicons.en.questionOpeners ?? []), ...(lexicons.zh.questionOpeners ?? [])] };
  /**
   * A message of several sentences is also tried sentence by sentence: in "I work in IT… I saw the app send
   * the Android ID. What is it used for?" the story dilutes the question.
   */
  const route = (text: string, locale: string): Decision => {
    const whole = decide(text, search.find(text, locale), decideOptions);
    const sentences = splitSentences(text);
    // Only a message that would otherwise go unanswered is read sentence by sentence: a sentence alone loses
    // the context ("I filed an IP complaint. Will my details be shared?") that the whole message carries.
    if (sentences.length < 2 || whole.kind !== 'fallback' || whole.reason === 'not-covered') return whole;
    const parts = sentences.map((s) => decide(s, search.find(s, locale), decideOptions)).filter((d) => d.kind === 'answer');
    const best = parts.sort((a, b) => b.confidence - a.confidence)[0];
    return best && best.confidence > whole.confidence ? best : whole;
  };

  const fallbackLocale = documents.has('en-US') ? 'en-US' : [...documents.keys()][0]!;
  const document = (locale: string): PolicyDocument => documents.get(locale) ?? documents.get(fallbackLocale)!;
  return {
    locales: [...documents.keys()],
    document,
    passage: (id, locale) => document(locale).passages.find((p) => p.id === id),
    aids: (id, locale) => (aidsByLocale.get(locale) ?? aidsByLocale.get(fallbackLocale))?.[id],
    search,
    route: (text, locale) => route(text, locale),
  };
}

// Config objects carry more than the decision needs; take only its keys.
function pick(t: Partial<DecideOptions>): Partial<DecideOptions> {
  const numeric = ['answerThreshold', 'clarifyMargin', 'flowLead', 'flowLeadForQuestions'] as const;
  const out: { -readonly [K in (typeof numeric)[number]]?: number } = {};
  for (const k of numeric) {
    const v = t[k];
    if (typeof v === 'number') out[k] = v;
  }
  return out;
}

/** Sentences long enough to stand alone as a question (3+ words, or 6+ Chinese characters). */
export function splitSentences(text: string): string[] {
  return (text.match(/[^.!?。！？]+[.!?。！？]?/gu) ?? [])
    .map((s) => s.trim())
    .filter((s) => s.split(/\s+/).length >= 3 || (s.match(/\p{Script=Han}/gu) ?? []).length >= 6);
}
