/** The tokenizers of a data folder's lexicons (lexicon.<locale>.json), compiled once per call. */
import fs from 'node:fs';
import path from 'node:path';
import { compileLexicon, type LexiconData } from './lexicon.js';
import type { Tokenizers } from './tokenize.js';

/**
 * `plain`: without synonym groups, for lexical retrieval. Groups such as "provide ~ share" or "change ~
 * correct" were written for Buygogo's wording; on another policy they make BM25 match the wrong passage.
 */
export function loadTokenizers(dataDir: string, { plain = false } = {}): Tokenizers {
  const read = (file: string): LexiconData => {
    const full = path.join(dataDir, file);
    const data: LexiconData = fs.existsSync(full) ? JSON.parse(fs.readFileSync(full, 'utf8')) as LexiconData : { phrases: {}, synonyms: [], fillers: [], stopwords: [] };
    return plain ? { ...data, synonyms: [] } : data;
  };
  return {
    en: compileLexicon(read('lexicon.en-US.json'), { latin: true }),
    zh: compileLexicon(read('lexicon.zh-CN.json'), { latin: false }),
  };
}
