/**
 * Training utterances, kept apart from evaluation: every JSON file in
 * knowledge/training/<locale>/ holds messages written from the policy and
 * from how people talk, for passages, guided flows, topics the policy does not
 * cover, and small talk.
 *
 * Policy-specific data is bound to the text it was written for: a passage's
 * entry carries a fingerprint of that passage's text. Data whose fingerprint
 * does not match the loaded passage (a revised policy, or another policy that
 * happens to reuse the id) is never applied; `npm run kb -- check` lists it.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Passage } from '../passage.js';

/**
 * A written message, or a message with the other outcomes that are also right for it. The model learns the
 * message's own target only; `alsoRight` tells evaluation what the scoring rules accept besides it
 * (eval/README.md: "a message that a passage answers and that also needs a flow lists both": "I'm 15, can I
 * use Buygogo?" is written for passage 7, and starting minor consent is right too).
 */
export type Utterance = string | { readonly text: string; readonly alsoRight: readonly string[] };

export const textOf = (u: Utterance): string => (typeof u === 'string' ? u : u.text);

export interface PassageUtterances {
  readonly fingerprint?: string;
  readonly utterances: readonly Utterance[];
}

export interface TrainingFile {
  readonly locale?: string;
  readonly passages?: Readonly<Record<string, PassageUtterances>>;
  readonly flows?: Readonly<Record<string, readonly Utterance[]>>;
  readonly notCovered?: Readonly<Record<string, readonly string[]>>;
  readonly smallTalk?: Readonly<Record<string, readonly string[]>>;
  /**
   * "Not covered" is a claim about one text: the fingerprint of the policy it was written for
   * (documentFingerprint). On any other policy those topics are not applied.
   */
  readonly notCoveredFor?: string;
}

/** Target keys: a passage id, `flow:<name>`, `none:<topic>` (not covered), `small:<intent>`. */
export type TargetKind = 'passage' | 'flow' | 'none' | 'small';

export function targetKind(key: string): TargetKind {
  if (key.startsWith('flow:')) return 'flow';
  if (key.startsWith('none:')) return 'none';
  if (key.startsWith('small:')) return 'small';
  return 'passage';
}

export interface TrainingSet {
  /** Written utterances per target key, only where they apply to the loaded policy. */
  readonly utterances: ReadonlyMap<string, readonly string[]>;
  /** Passage ids whose data was written for a different text (not applied). */
  readonly stale: readonly string[];
  /** Passage ids of the loaded policy with no written data (they learn from their own text only). */
  readonly missing: readonly string[];
  /** Passage ids with data but no fingerprint yet (`npm run kb -- stamp`). */
  readonly unstamped: readonly string[];
  /** Not-covered topics skipped because they were written for another policy text. */
  readonly staleTopics: readonly string[];
  /** Other outcomes also right for a message, by `alsoRightKey(target, text)` (for evaluation only). */
  readonly alsoRight: ReadonlyMap<string, readonly string[]>;
}

export const alsoRightKey = (target: string, text: string): string => `${target}\u0001${text}`;

/** Fingerprint of a whole policy: changes when any passage's text or id changes. */
export function documentFingerprint(passages: readonly Passage[]): string {
  const all = passages.map((p) => `${p.id}=${fingerprintOf(p)}`).join('|');
  return crypto.createHash('sha256').update(all).digest('hex').slice(0, 12);
}

/** A short, stable fingerprint of a passage's text: whitespace and width differences do not change it. */
export function fingerprintOf(passage: Pick<Passage, 'text'>): string {
  const normal = passage.text.normalize('NFKC').replace(/\s+/g, ' ').trim();
  return crypto.createHash('sha256').update(normal).digest('hex').slice(0, 12);
}

export function readTrainingFiles(dir: string): TrainingFile[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as TrainingFile);
}

export function assembleTrainingSet(files: readonly TrainingFile[], passages: readonly Passage[]): TrainingSet {
  const byId = new Map(passages.map((p) => [p.id, p]));
  const utterances = new Map<string, string[]>();
  const alsoRight = new Map<string, readonly string[]>();
  const add = (key: string, list: readonly Utterance[]): void => {
    const clean: string[] = [];
    for (const u of list) {
      const text = textOf(u).trim();
      if (!text) continue;
      clean.push(text);
      if (typeof u !== 'string' && (u.alsoRight?.length ?? 0) > 0) alsoRight.set(alsoRightKey(key, text), u.alsoRight);
    }
    utterances.set(key, [...(utterances.get(key) ?? []), ...clean]);
  };
  const stale = new Set<string>();
  const unstamped = new Set<string>();
  const staleTopics = new Set<string>();
  const policy = documentFingerprint(passages);
  for (const file of files) {
    for (const [id, entry] of Object.entries(file.passages ?? {})) {
      const passage = byId.get(id);
      if (!passage) continue; // written for a passage this policy does not have
      if (!entry.fingerprint) {
        unstamped.add(id);
        continue;
      }
      if (entry.fingerprint !== fingerprintOf(passage)) {
        stale.add(id);
        continue;
      }
      add(id, entry.utterances);
    }
    for (const [name, list] of Object.entries(file.flows ?? {})) add(`flow:${name}`, list);
    for (const [topic, list] of Object.entries(file.notCovered ?? {})) {
      if (file.notCoveredFor === policy) add(`none:${topic}`, list);
      else staleTopics.add(topic);
    }
    for (const [intent, list] of Object.entries(file.smallTalk ?? {})) add(`small:${intent}`, list);
  }
  const missing = passages.filter((p) => !utterances.has(p.id)).map((p) => p.id);
  return { utterances, stale: [...stale], missing, unstamped: [...unstamped], staleTopics: [...staleTopics], alsoRight };
}

/** Writes the current fingerprint into every passage entry of a training file (for `kb stamp`). */
export function stampTrainingFile(file: string, passages: readonly Passage[]): { stamped: string[]; unknown: string[] } {
  const before = fs.readFileSync(file, 'utf8');
  const data = JSON.parse(before) as {
    passages?: Record<string, { fingerprint?: string; utterances: Utterance[] }>;
    notCovered?: unknown;
    notCoveredFor?: string;
  };
  if (data.notCovered) data.notCoveredFor = documentFingerprint(passages);
  const byId = new Map(passages.map((p) => [p.id, p]));
  const stamped: string[] = [];
  const unknown: string[] = [];
  for (const [id, entry] of Object.entries(data.passages ?? {})) {
    const passage = byId.get(id);
    if (!passage) {
      unknown.push(id);
      continue;
    }
    data.passages![id] = { fingerprint: fingerprintOf(passage), utterances: entry.utterances };
    stamped.push(id);
  }
  // Written only when a stamp changed, so stamping one new file leaves the others (and their layout) alone.
  if (JSON.stringify(data) !== JSON.stringify(JSON.parse(before))) fs.writeFileSync(file, JSON.stringify(data, null, 2) + '\n');
  return { stamped, unknown };
}
