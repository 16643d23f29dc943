/**
 * Policy search: BM25 term weighting over normalised terms, fuse.js to mend
 * misspelt terms against the knowledge base's own vocabulary, and a
 * coverage-based confidence that says how much of the question the best
 * target accounts for.
 *
 * Targets are passages, guided flows and "not covered" topics. All three
 * compete in one ranking, so "how long do you keep my data" lands on the
 * retention topic (which the policy does not answer) rather than being
 * stretched onto the passage that merely mentions retaining information.
 */
import Fuse from 'fuse.js';
import { isUnder, type Passage } from '../passage.js';
import { createBm25Index, type Bm25Index } from './bm25.js';
import { compileLexicon, type LexiconData } from './lexicon.js';
import { BIGRAM, bigramsOf, tokenize, type Tokenizers } from './tokenize.js';
import { stem } from './stem.js';

export type TargetKind = 'passage' | 'flow' | 'none';

export interface PassageAids {
  readonly summary: string;
  readonly questions: readonly string[];
  readonly keywords: readonly string[];
  readonly followUps: readonly string[];
}

export interface TopicEntry {
  readonly keywords: readonly string[];
  readonly questions: readonly string[];
  /** For flows: the passages the flow acts on (a near tie between them is not ambiguity). */
  readonly passages?: readonly string[];
}

export interface TopicData {
  readonly flows: Readonly<Record<string, TopicEntry>>;
  readonly notCovered: Readonly<Record<string, TopicEntry>>;
}

export interface Corpus {
  readonly locale: string;
  readonly passages: readonly Passage[];
  readonly aids: Readonly<Record<string, PassageAids>>;
  readonly topics: TopicData;
}

export interface SearchHit {
  /** Passage id, `flow:<name>` or `none:<topic>`. */
  readonly key: string;
  readonly kind: TargetKind;
  /** Ranking score, roughly 0-1: the query's BM25 score against this target over the best it could score. */
  readonly score: number;
  /** Share of the query's information (idf mass) found in this target's vocabulary, 0-1. */
  readonly coverage: number;
}

export interface SearchResult {
  readonly hits: readonly SearchHit[];
  /** Calibrated 0-1 confidence that hits[0] is the right target. */
  readonly confidence: number;
  readonly terms: readonly string[];
  /** Query terms the knowledge base has never seen (after spelling correction). */
  readonly unknownTerms: readonly string[];
}

export interface PolicySearch {
  find(text: string, locale: string): SearchResult;
}

export const SEARCH_DEFAULTS = Object.freeze({
  /** How much the alternate-question index counts against the passage-content index. */
  questionWeight: 0.55,
  /** fuse.js score (0 exact, 1 anything) under which a misspelt term is replaced by a known one. */
  spellingThreshold: 0.2,
  /** Terms shorter than this are never "corrected": short words fuzzy-match everything. */
  minSpellLength: 5,
  maxHits: 5,
});

interface Target {
  readonly key: string;
  readonly kind: TargetKind;
  readonly content: string[];
  readonly questions: string[][];
  /** Terms of the target's own text (passage text, title, summary, keywords; a topic's keywords). */
  readonly vocabulary: ReadonlySet<string>;
  readonly questionVocabularies: readonly ReadonlySet<string>[];
}

interface LocaleIndex {
  readonly targets: ReadonlyMap<string, Target>;
  readonly content: Bm25Index;
  readonly questions: Bm25Index;
  readonly speller: Fuse<string>;
  /** Every Latin word the indexed texts use, as written (before stemming). */
  readonly words: ReadonlySet<string>;
  /** flow key → passages it acts on. */
  readonly relatedPassages: ReadonlyMap<string, readonly string[]>;
  /** Every term of the passages' own text, titles, summaries and keywords. */
  readonly policyVocabulary: ReadonlySet<string>;
  /** True when a word's stem is already a term here or in the lexicon ("kids" is "kid", not a typo of "kinds"). */
  knownStem(word: string): boolean;
}

export function createSearch(
  corpora: readonly Corpus[],
  lexicons: { readonly en: LexiconData; readonly zh: LexiconData },
  options: Partial<typeof SEARCH_DEFAULTS> = {},
): PolicySearch {
  const settings = { ...SEARCH_DEFAULTS, ...options };
  const tokenizers: Tokenizers = {
    en: compileLexicon(lexicons.en, { latin: true }),
    zh: compileLexicon(lexicons.zh, { latin: false }),
  };
  const indexes = new Map<string, LocaleIndex>();
  // Words the lexicons know are not misspellings either ("gps", "imei"), even when no passage uses them.
  const lexiconWords = [lexicons.en, lexicons.zh].flatMap((l) => [
    ...Object.keys(l.phrases), ...l.synonyms.flat(), ...l.fillers, ...l.stopwords,
  ]).flatMap((w) => w.toLowerCase().match(LATIN_WORDS) ?? []);
  for (const corpus of corpora) indexes.set(corpus.locale, buildIndex(corpus, tokenizers, lexiconWords));

  const pickIndex = (text: string, locale: string): LocaleIndex => {
    // The query's script chooses the index: an English question in a Chinese conversation searches the English text.
    const wanted = /\p{Script=Han}/u.test(text) ? 'zh-CN' : /[a-z]/i.test(text) ? 'en-US' : locale;
    return indexes.get(wanted) ?? indexes.get(locale) ?? [...indexes.values()][0]!;
  };

  return {
    find(text, locale) {
      const index = pickIndex(text, locale);
      const isZh = /\p{Script=Han}/u.test(text);
      const mended = mendSpelling(text, index, settings);
      const terms = tokenize(mended, isZh ? 'zh-CN' : 'en-US', tokenizers);
      // Coverage is judged on words; bigrams only help ranking. A Chinese word the knowledge base never
      // uses as a word still counts as known when all its bigrams are (the segmenter cut it differently).
      const unique = [...new Set(terms)].filter((t) => !t.startsWith(BIGRAM));
      const knownIn = (has: (t: string) => boolean, t: string): boolean =>
        has(t) || (/\p{Script=Han}{2,}/u.test(t) && bigramsOf(t).every((b) => has(b)));
      const indexHas = (t: string): boolean => index.content.has(t) || index.questions.has(t);
      const unknownTerms = unique.filter((t) => !knownIn(indexHas, t));
      if (unique.length === 0) return { hits: [], confidence: 0, terms, unknownTerms };

      const contentScores = index.content.score(terms);
      const questionScores = index.questions.score(terms);
      const allTerms = [...new Set(terms)];
      const contentBest = idealScore(allTerms, index.content);
      const questionBest = idealScore(allTerms, index.questions);
      // An unknown word in a short question is usually its topic ("GDPR", "camera"); in a long, chatty
      // message it is usually small talk ("recently", "comfortable"), so its weight shrinks with length.
      const unknownWeight = index.content.maxIdf * Math.min(1, 6 / unique.length);
      const idfMass = (t: string): number =>
        index.content.has(t) ? index.content.idf(t) : knownIn(indexHas, t) ? meanIdf(bigramsOf(t), index.content) : unknownWeight;
      const totalMass = unique.reduce((s, t) => s + idfMass(t), 0);

      const hits: SearchHit[] = [];
      for (const target of index.targets.values()) {
        const c = (contentScores.get(target.key) ?? 0) / contentBest;
        const q = (questionScores.get(target.key) ?? 0) / questionBest;
        const score = settings.questionWeight * q + (1 - settings.questionWeight) * c;
        if (score <= 0) continue;
        // Coverage against one coherent text (the passage, or its single best alternate question), not the
        // union of all its questions: a topic with many phrasings would otherwise "cover" any question.
        const coverageOf = (vocab: ReadonlySet<string>): number =>
          unique.filter((t) => knownIn((x) => vocab.has(x), t)).reduce((s, t) => s + idfMass(t), 0);
        const covered = Math.max(coverageOf(target.vocabulary), ...target.questionVocabularies.map(coverageOf));
        // A topic the policy does not cover must be recognised by a word the policy never uses ("refund",
        // "advertisers", "GDPR"); sharing only policy words ("protect my data") is no evidence against it.
        if (target.kind === 'none' && !unique.some((t) => !index.policyVocabulary.has(t) && (target.vocabulary.has(t) || target.questionVocabularies.some((q) => q.has(t))))) continue;
        hits.push({ key: target.key, kind: target.kind, score, coverage: covered / totalMass });
      }
      hits.sort((a, b) => b.score - a.score || b.coverage - a.coverage);
      const top = hits.slice(0, settings.maxHits);
      return { hits: top, confidence: calibrate(top, index.relatedPassages), terms, unknownTerms };
    },
  };
}

/**
 * Confidence blends how much of the question the best target explains
 * (coverage) with how strongly it matched (score); either alone misleads:
 * one rare shared word gives a high score with low coverage, and a long
 * passage covers common words without being about them.
 */
function calibrate(hits: readonly SearchHit[], flowPassages: ReadonlyMap<string, readonly string[]>): number {
  const best = hits[0];
  if (!best) return 0;
  const strength = Math.min(1, best.score * 1.6);
  // Separation from the best competitor that is not the same passage family: a clear winner of a long,
  // chatty message is trustworthy even when much of the message is small talk the policy never mentions.
  const rival = hits.slice(1).find((h) => !related(h.key, best.key, flowPassages));
  const margin = rival ? Math.max(0, (best.score - rival.score) / best.score) : 1;
  return Math.round((0.45 * best.coverage + 0.3 * strength + 0.25 * margin) * 1000) / 1000;
}

/** Same passage family (`1.2` and `1.2.3`), or a flow and a passage it acts on. */
function related(a: string, b: string, flowPassages: ReadonlyMap<string, readonly string[]>): boolean {
  if (a === b) return true;
  if (flowPassages.get(a)?.includes(b) || flowPassages.get(b)?.includes(a)) return true;
  return !a.includes(':') && !b.includes(':') && (isUnder(a, b) || isUnder(b, a));
}

function meanIdf(terms: readonly string[], index: Bm25Index): number {
  return terms.reduce((s, t) => s + index.idf(t), 0) / Math.max(terms.length, 1);
}

function idealScore(terms: readonly string[], index: Bm25Index): number {
  // A document made only of the query's terms scores about idf × (k1 + 1) / 2 per term at average length.
  const s = terms.reduce((sum, t) => sum + (index.has(t) ? index.idf(t) : 0), 0);
  return Math.max(s, 1e-9);
}

const LATIN_WORDS = /[a-z][a-z']+/g;

/**
 * Replaces misspelt words ("adress", "locaton") with the closest word the
 * knowledge base uses, before any other normalisation, so phrase rewrites and
 * synonyms apply to the mended word. Candidates must be about as long as the
 * word: fuse.js also finds a word inside a longer one ("ship" in "relationship").
 */
function mendSpelling(text: string, index: LocaleIndex, settings: typeof SEARCH_DEFAULTS): string {
  return text.normalize('NFKC').toLowerCase().replace(LATIN_WORDS, (word) => {
    if (word.length < settings.minSpellLength || index.words.has(word) || index.knownStem(word)) return word;
    const best = index.speller
      .search(word, { limit: 8 })
      // Typos rarely change the first letter; real words that merely look alike do ("backed" is not "hacked").
      .filter((r) => r.item[0] === word[0] && Math.abs(r.item.length - word.length) <= 2 && (r.score ?? 1) <= settings.spellingThreshold)
      .sort((a, b) => (a.score ?? 1) - (b.score ?? 1) || Math.abs(a.item.length - word.length) - Math.abs(b.item.length - word.length))[0];
    return best?.item ?? word;
  });
}

function buildIndex(corpus: Corpus, tokenizers: Tokenizers, extraWords: readonly string[]): LocaleIndex {
  const texts: string[] = [];
  const tok = (s: string): string[] => {
    texts.push(s);
    return tokenize(s, corpus.locale, tokenizers);
  };
  const targets = new Map<string, Target>();
  const add = (key: string, kind: TargetKind, content: string[], questions: string[][], own: string[] = content): void => {
    targets.set(key, { key, kind, content, questions, vocabulary: new Set(own), questionVocabularies: questions.map((q) => new Set(q)) });
  };
  for (const p of corpus.passages) {
    const aids = corpus.aids[p.id];
    const title = tok(p.title);
    const keywords = (aids?.keywords ?? []).flatMap(tok);
    // Title and keywords count twice: they name what a passage is about, the body also says how.
    add(p.id, 'passage', [...title, ...title, ...tok(p.text), ...tok(aids?.summary ?? ''), ...keywords, ...keywords],
      (aids?.questions ?? []).map(tok));
  }
  for (const [name, entry] of Object.entries(corpus.topics.flows)) {
    const keywords = entry.keywords.flatMap(tok);
    add(`flow:${name}`, 'flow', [...keywords, ...keywords, ...entry.questions.flatMap(tok)], entry.questions.map(tok), keywords);
  }
  for (const [name, entry] of Object.entries(corpus.topics.notCovered)) {
    const keywords = entry.keywords.flatMap(tok);
    add(`none:${name}`, 'none', [...keywords, ...keywords, ...entry.questions.flatMap(tok)], entry.questions.map(tok), keywords);
  }
  const list = [...targets.values()];
  const content = createBm25Index(list.map((t) => ({ key: t.key, tokens: t.content })));
  const questions = createBm25Index(list.flatMap((t) => t.questions.map((q) => ({ key: t.key, tokens: q }))));
  const words = new Set(texts.flatMap((t) => t.normalize('NFKC').toLowerCase().match(LATIN_WORDS) ?? []));
  for (const w of extraWords) words.add(w);
  // ignoreLocation: fuse's default location window scores late differences as misses; words are short anyway.
  const speller = new Fuse([...words].filter((w) => w.length >= 3), { includeScore: true, ignoreLocation: true, threshold: 0.4 });
  const relatedPassages = new Map(Object.entries(corpus.topics.flows).map(([name, e]) => [`flow:${name}`, e.passages ?? []]));
  const policyVocabulary = new Set(list.filter((t) => t.kind === 'passage').flatMap((t) => [...t.vocabulary]));
  const knownStem = (word: string): boolean => {
    const s = stem(word);
    return content.has(s) || questions.has(s) || tokenizers.en.canonical.has(s);
  };
  return { targets, content, questions, speller, words, relatedPassages, policyVocabulary, knownStem };
}
