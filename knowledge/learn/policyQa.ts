/**
 * Reads question-answering data about other websites' privacy policies
 * (SQuAD format, as PolicyQA publishes it: github.com/wasiahmad/PolicyQA, MIT)
 * into answered questions for learning question expansion: each policy's
 * contexts become a policy file parsed like any other, and the passages that
 * hold a question's answer span are the ones that answer it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadPolicy } from '../loadPolicy.js';
import { tokenize, type Tokenizers } from '../search/tokenize.js';
import type { AnsweredQuestion } from './expansion.js';

export interface SquadPolicy {
  title: string;
  paragraphs: { context: string; qas: { question: string; answers: { text: string }[] }[] }[];
}

export interface PolicyQuestions {
  readonly policy: string;
  readonly questions: readonly AnsweredQuestion[];
}

/** Words only, so a span and a passage compare whatever their punctuation and spacing. */
export const wordsOnly = (s: string): string => s.normalize('NFKC').toLowerCase().replace(/[^\p{L}\p{N}]+/gu, ' ').trim();

/** A context on one line (PolicyQA contexts hold no paragraph breaks of their own). */
export const oneLine = (context: string): string => context.replace(/\s*\n\s*/g, ' ').trim();

/** A policy as a file the parser reads: its title, then its contexts (deduplicated, in order), a paragraph each. */
export function policyFileText(policy: SquadPolicy): { text: string; contexts: string[] } {
  const contexts = [...new Set(policy.paragraphs.map((p) => oneLine(p.context)))];
  return { text: [policy.title, ...contexts].join('\n\n') + '\n', contexts };
}

export function readPolicyQa(file: string, tokenizers: Tokenizers): PolicyQuestions[] {
  const data = (JSON.parse(fs.readFileSync(file, 'utf8')) as { data: SquadPolicy[] }).data;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'policyqa-'));
  try {
    return data.map((policy, n) => {
      const policyFile = path.join(dir, `policy-${n}.en-US.txt`);
      fs.writeFileSync(policyFile, policyFileText(policy).text);
      const passages = loadPolicy(policyFile).passages;
      const texts = passages.map((p) => wordsOnly(`${p.title} ${p.text}`));
      const terms = passages.map((p) => {
        const title = tokenize(p.title, 'en-US', tokenizers);
        return [...title, ...title, ...tokenize(p.text, 'en-US', tokenizers)];
      });
      const questions = policy.paragraphs.flatMap((para) => para.qas.map((qa) => {
        const span = wordsOnly(qa.answers[0]?.text ?? '');
        const answeredBy = new Set(span ? texts.flatMap((t, i) => (t.includes(span) ? [i] : [])) : []);
        return { question: tokenize(qa.question, 'en-US', tokenizers), passages: terms, answeredBy };
      })).filter((q) => q.answeredBy.size > 0);
      return { policy: policy.title, questions };
    });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
