/**
 * What the learned model sees of a message: its words (normalised and stemmed
 * by the same tokenizer as lexical search), neighbouring word pairs, and
 * character n-grams. Character n-grams carry typos ("infomation" shares most
 * of its 4-grams with "information"), merged words ("doyou store myip") and
 * Chinese without trusting any one segmentation. Chinese also gives its
 * pinyin syllables and syllable pairs, toneless: homophone typos share them
 * (5-fold CV: zh 79.6% -> 80.6%; with one homophone typo in each held-out
 * utterance 76.5% -> 79.3%). And the message's mood: whether it asks or
 * requests, which tells "can I delete my data?" (the rights passage) from
 * "delete my location data" (a data request) when the words are the same
 * (5-fold CV 86.8% -> 87.0%; at a realistic mix 87.3% -> 88.1%, flows
 * 82.5/87.1% -> 86.7/90.2%, passages +1 point).
 */
import { pinyin } from 'pinyin-pro';
import { BIGRAM, normalizeText, tokenize, type Tokenizers } from '../search/tokenize.js';

/** Messages are cut to this many characters before anything else: work per message stays bounded. */
export const MAX_FEATURE_TEXT = 1000;
/** A "word" longer than this is not a word (a pasted token, a hash): its n-grams would only add noise. */
const MAX_WORD_FOR_NGRAMS = 30;

const LATIN_WORDS = /[a-z][a-z0-9']*/g;
const HAN_RUNS = /\p{Script=Han}+/gu;

/** What `visitFeatures` reports a message's features to. */
export interface FeatureVisitor {
  feature(name: string): void;
  /**
   * A Latin word whose character n-grams are features (`wordGrams`). Given, the visitor takes them from the
   * word (a model keeps the ones it knows per word: words repeat, their n-grams need not be rebuilt); not
   * given, each n-gram comes to `feature`, in the same order.
   */
  latinWord?(word: string): void;
}

/** `terms`: the message's search terms when the caller already has them (tokenising is most of the cost). */
export function messageFeatures(text: string, locale: string, tokenizers: Tokenizers, terms?: readonly string[]): string[] {
  const out: string[] = [];
  visitFeatures(text, locale, tokenizers, terms, { feature: (name) => out.push(name) });
  return out;
}

/** The features of a message, in order, each reported as found (the same feature may come more than once). */
export function visitFeatures(text: string, locale: string, tokenizers: Tokenizers, terms: readonly string[] | undefined, visitor: FeatureVisitor): void {
  const cut = text.length > MAX_FEATURE_TEXT ? text.slice(0, MAX_FEATURE_TEXT) : text;
  terms ??= tokenize(cut, locale, tokenizers);
  let previousWord: string | undefined;
  // A Chinese run's character pairs come once, below (h:), not also as its search terms' bigrams (~): the
  // same pairs twice made the Chinese model a seventh larger and its training a tenth slower for nothing.
  // 5-fold CV at fold seeds 0/2: 88.54/88.53% with both, 88.57/88.51% without; AUC 0.856/0.840 -> 0.856/0.851.
  for (const t of terms) if (!t.startsWith(BIGRAM)) visitor.feature(`w:${t}`);
  for (const t of terms) {
    if (t.startsWith(BIGRAM)) continue;
    if (previousWord !== undefined) visitor.feature(`b:${previousWord}_${t}`);
    previousWord = t;
  }

  const normal = normalizeText(cut);
  for (const mood of moodOf(normal)) visitor.feature(mood);
  // Which way the data goes, and who does what, lives in the small words search drops: "do your partners pass
  // my info to you" (1.3, Buygogo receives) against "do you pass my info to your partners" (3.3, it shares).
  // So each pair of neighbouring words in which one is such a word is a feature as written. 5-fold CV at fold
  // seeds 0/2: 87.82/88.01% -> 88.06/88.26% (English +28/+30 messages, passages 88.9 -> 89.6%).
  const written = normal.match(LATIN_WORDS) ?? [];
  for (let i = 0; i + 1 < written.length; i++) {
    if (FUNCTION_WORDS.has(written[i]!) || FUNCTION_WORDS.has(written[i + 1]!)) visitor.feature(`r:${written[i]}_${written[i + 1]}`);
  }
  for (const word of normal.match(LATIN_WORDS) ?? []) {
    if (word.length > MAX_WORD_FOR_NGRAMS) continue;
    if (visitor.latinWord) visitor.latinWord(word);
    else for (const gram of wordGrams(word)) visitor.feature(gram);
  }
  for (const run of normal.match(HAN_RUNS) ?? []) {
    // Characters and character pairs; triples added nothing (5-fold CV zh 87.0% with them, 87.2% without) and a
    // third of the Chinese vocabulary, so training is faster without them.
    for (let i = 0; i < run.length; i++) {
      visitor.feature(`h:${run[i]}`);
      if (i + 2 <= run.length) visitor.feature(`h:${run.slice(i, i + 2)}`);
    }
    // How it sounds: a pinyin input method's wrong pick (信习 for 信息, 味置 for 位置) keeps the syllables.
    const sounds = pinyin(run, { toneType: 'none', type: 'array' });
    for (let i = 0; i < sounds.length; i++) {
      visitor.feature(`y:${sounds[i]}`);
      if (i + 1 < sounds.length) visitor.feature(`y:${sounds[i]}_${sounds[i + 1]}`);
    }
  }
}

/** English words that say direction, person, negation and what is asked: the ones search treats as stop words. */
const FUNCTION_WORDS = new Set(['to', 'from', 'with', 'you', 'your', 'we', 'us', 'our', 'me', 'my', 'i', 'they', 'them', 'their', 'by', 'for', 'about', 'of', 'not', 'no', 'dont', 'do', 'does', 'can', 'will', 'how', 'what', 'why', 'who', 'when', 'where']);

/**
 * A Latin word's character 4-grams, with its start and end marked: `<word>` gives word.length - 1 of them
 * (wordGramCount). Trigrams as well made 85% of an English message's features and doubled them, for nothing
 * cross-validation could see: 5-fold CV at fold seeds 0/2 88.56/88.51% with them, 88.57/88.58% without (AUC
 * 0.856/0.851 -> 0.853/0.849), and English training 1.47 -> 1.10 s; dev 97.8 -> 98.3%, probe 97.0 -> 96.7%,
 * PolicyQA first passage 24.1% either way.
 */
const GRAM = 4;

export function wordGrams(word: string): string[] {
  const padded = `<${word}>`;
  const out: string[] = [];
  for (let i = 0; i + GRAM <= padded.length; i++) out.push(`c:${padded.slice(i, i + GRAM)}`);
  return out;
}

/** How many n-grams wordGrams gives for a word of this length, without building them. */
export const wordGramCount = (length: number): number => Math.max(0, length + 2 - GRAM + 1);

/** Question openers and endings, English and Chinese (a question anywhere in the message counts). */
const ASKS = /(^|[.!?]\s*)(do|does|did|can|could|how|what|whats|what's|why|is|are|will|would|who|where|when|which|should|may|shall|have|has)\b|[?？]\s*$|[吗呢么]\s*[?？]?\s*$|(怎么|如何|为什么|为何|什么|哪些|是否|能不能|可不可以|会不会|是不是)/u;
/** Openings of a request or an instruction ("I want…", "delete…", "我要…", "把…删掉"). */
const REQUESTS = /(^|[.!?]\s*)(i want|i wanna|i would like|i'd like|i need|please|pls|plz|help me|delete|remove|erase|stop|close|cancel|fix|change|update|correct|give me|send me|export|download|withdraw|report|unsubscribe)\b|^(我要|我想|请|帮我|给我|把|删|注销|撤回|停止|不要|别|举报|投诉)/u;

/** Whether the message requests or instructs ("I want…", "please…", "delete…", "我要…") anywhere a sentence begins. */
export function requestsSomething(text: string): boolean {
  return REQUESTS.test(normalizeText(text.length > MAX_FEATURE_TEXT ? text.slice(0, MAX_FEATURE_TEXT) : text));
}

/** One feature each for asking and requesting (a message can do both: "please tell me what you keep?"). */
function moodOf(normal: string): string[] {
  const out: string[] = [];
  if (ASKS.test(normal)) out.push('m:asks');
  if (REQUESTS.test(normal)) out.push('m:requests');
  return out;
}
