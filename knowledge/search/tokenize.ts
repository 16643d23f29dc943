/**
 * Turns a question or a passage into search terms. Both sides go through the
 * same steps, so "Do you log my IP?" and "records information about your
 * browser … IP address" meet on `ipaddress` and `keep`.
 *
 * English: NFKC + lowercase → phrase rewrites → words → drop fillers/stop words
 * → stem → synonym group.
 * Chinese: NFKC + lowercase → phrase rewrites → fillers removed → Intl.Segmenter
 * words (+ character bigrams of each Han run, because the segmenter splits the
 * same phrase differently in a question and in a passage) → synonym group.
 * Latin words inside Chinese text take the English path.
 */
import { rewritePhrase, type Lexicon } from './lexicon.js';
import { stem } from './stem.js';

export interface Tokenizers {
  readonly en: Lexicon;
  readonly zh: Lexicon;
}

/**
 * Bigram terms carry this mark so they never count as words: they help
 * ranking, but a question's coverage is judged on its words.
 */
export const BIGRAM = '~';

/** The bigram terms of a Chinese word ("收货地址" → ~收货 ~货地 ~地址). */
export function bigramsOf(word: string): string[] {
  const out: string[] = [];
  for (let i = 0; i + 1 < word.length; i++) out.push(BIGRAM + word.slice(i, i + 2));
  return out;
}

const LATIN_WORD = /[\p{L}\p{N}]+/gu;
const segmenter = new Intl.Segmenter('zh-CN', { granularity: 'word' });

export function normalizeText(text: string): string {
  return text.normalize('NFKC').toLowerCase().replace(/['’`]/g, '');
}

function rewrite(text: string, lexicon: Lexicon): string {
  let out = text;
  for (const filler of lexicon.fillerPhrases) out = rewritePhrase(out, filler);
  for (const phrase of lexicon.phrases) out = rewritePhrase(out, phrase);
  return out;
}

export function englishTerms(text: string, en: Lexicon): string[] {
  const words = rewrite(normalizeText(text), en).match(LATIN_WORD) ?? [];
  const terms: string[] = [];
  for (const w of words) {
    if (en.drop.has(w) || /\p{Script=Han}/u.test(w)) continue;
    const s = stem(w);
    if (en.drop.has(s)) continue; // "owns" is as empty as "own"
    terms.push(en.canonical.get(s) ?? s);
  }
  return terms;
}

export function chineseTerms(text: string, lexicons: Tokenizers): string[] {
  const { zh, en } = lexicons;
  const prepared = rewrite(normalizeText(text), zh);
  const terms: string[] = [];
  // Runs of adjacent content words: their bigrams let "收货地址" meet "地址" however the segmenter cut either.
  const runs: string[] = [];
  let run = '';
  for (const seg of segmenter.segment(prepared)) {
    const word = seg.segment;
    const isHan = /\p{Script=Han}/u.test(word);
    if (!seg.isWordLike || !isHan || zh.drop.has(word)) {
      if (run) runs.push(run);
      run = '';
      if (seg.isWordLike && !isHan) terms.push(...englishTerms(word, en));
      continue;
    }
    terms.push(zh.canonical.get(word) ?? word);
    run += word;
  }
  if (run) runs.push(run);
  for (const r of runs) {
    for (let i = 0; i + 1 < r.length; i++) {
      const bigram = r.slice(i, i + 2);
      if (!zh.drop.has(bigram)) terms.push(BIGRAM + (zh.canonical.get(bigram) ?? bigram));
    }
  }
  return terms;
}

/** Terms of `text` in `locale`; Chinese text is detected by script, so a Chinese message in an English conversation still segments. */
export function tokenize(text: string, locale: string, lexicons: Tokenizers): string[] {
  const isZh = locale.startsWith('zh') || /\p{Script=Han}/u.test(text);
  return isZh ? chineseTerms(text, lexicons) : englishTerms(text, lexicons.en);
}
