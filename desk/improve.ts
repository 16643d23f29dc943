/**
 * The learning loop. Improve lists what the assistant did not answer well:
 * fallbacks, "did you mean" choices and answers marked not helpful, grouped by
 * similarity, most frequent first. An editor attaches a question to a target
 * (a passage id, `flow:<name>` or `none:<topic>`): that appends a pending
 * suggestion to knowledge/training/suggestions.json; once reviewed,
 * `npm run kb -- apply-suggestions` folds it into
 * knowledge/training/<locale>/suggested.json, which the model trains on.
 */
import fs from 'node:fs';
import path from 'node:path';
import { FLOW_NAMES, type FlowName } from '../knowledge/decide.js';
import type { KnowledgeBase } from '../knowledge/knowledgeBase.js';
import { documentFingerprint, fingerprintOf } from '../knowledge/learn/trainingData.js';
import type { Passage } from '../knowledge/passage.js';
import { isLocale, type Locale } from '../i18n/locale.js';
import type { SqlStore } from '../storage/sql.js';

export interface ImproveItem { readonly question: string; readonly kind: string; readonly passageId: string | null; readonly at: string }
export interface ImproveGroup {
  readonly locale: Locale;
  /** The most common wording in the group. */
  readonly question: string;
  readonly count: number;
  readonly kinds: Readonly<Record<string, number>>;
  readonly passages: readonly string[];
  readonly examples: readonly string[];
}

/** Words (English) or character pairs (Chinese) of a question, for similarity. */
export function features(text: string): Set<string> {
  const clean = text.normalize('NFKC').toLowerCase().replace(/[^\p{L}\p{N}\s]/gu, ' ');
  const out = new Set<string>();
  for (const w of clean.split(/\s+/).filter(Boolean)) {
    if (/\p{Script=Han}/u.test(w)) {
      const chars = [...w];
      if (chars.length === 1) out.add(w);
      for (let i = 0; i + 1 < chars.length; i++) out.add(chars[i]! + chars[i + 1]!);
    } else if (w.length > 2 || /\d/.test(w)) out.add(w.replace(/(?:ing|ed|es|s)$/, ''));
  }
  return out;
}

export function similarity(a: Set<string>, b: Set<string>): number {
  if (a.size === 0 || b.size === 0) return 0;
  let shared = 0;
  for (const f of a) if (b.has(f)) shared += 1;
  return shared / (a.size + b.size - shared);
}

/** Greedy single-pass grouping: a question joins the first group whose first question is similar enough. */
export function groupQuestions(items: readonly (ImproveItem & { locale: Locale })[], threshold = 0.4): ImproveGroup[] {
  const groups: { locale: Locale; key: Set<string>; items: (ImproveItem & { locale: Locale })[] }[] = [];
  for (const item of items) {
    const f = features(item.question);
    const group = groups.find((g) => g.locale === item.locale && similarity(g.key, f) >= threshold);
    if (group) group.items.push(item);
    else groups.push({ locale: item.locale, key: f, items: [item] });
  }
  return groups.map((g): ImproveGroup => {
    const counts = new Map<string, number>();
    const kinds: Record<string, number> = {};
    for (const i of g.items) {
      counts.set(i.question, (counts.get(i.question) ?? 0) + 1);
      kinds[i.kind] = (kinds[i.kind] ?? 0) + 1;
    }
    const wordings = [...counts.entries()].sort((a, b) => b[1] - a[1]);
    return {
      locale: g.locale, question: wordings[0]![0], count: g.items.length, kinds,
      passages: [...new Set(g.items.map((i) => i.passageId).filter((p): p is string => !!p))],
      examples: wordings.slice(1, 5).map(([q]) => q),
    };
  }).sort((a, b) => b.count - a.count);
}

/** What Improve lists: fallbacks, clarifications and not-helpful answers (masked questions). */
export async function improveGroups(db: SqlStore, limit = 2000): Promise<ImproveGroup[]> {
  const rows = await db.all<{ locale: string; kind: string; passage_id: string | null; question: string; feedback: string | null; created_at: string }>(
    `SELECT locale, kind, passage_id, question, feedback, created_at FROM desk_events
     WHERE kind IN ('fallback', 'clarify') OR feedback = 'notHelpful' ORDER BY id DESC LIMIT ?`, [limit]);
  return groupQuestions(rows.filter((r) => r.question.trim()).map((r) => ({
    locale: isLocale(r.locale) ? r.locale : 'en-US', question: r.question.trim(),
    kind: r.feedback === 'notHelpful' ? 'notHelpful' : r.kind, passageId: r.passage_id, at: r.created_at,
  })));
}

export interface Suggestion {
  locale: Locale;
  text: string;
  /** A passage id, `flow:<name>` or `none:<topic>`. */
  target: string;
  status: 'pending' | 'reviewed';
  by: string;
  at: string;
  reviewedBy?: string;
  reviewedAt?: string;
}

export const suggestionsFile = (trainingDir: string): string => path.join(trainingDir, 'suggestions.json');

export function readSuggestions(trainingDir: string): Suggestion[] {
  const file = suggestionsFile(trainingDir);
  if (!fs.existsSync(file)) return [];
  const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as unknown;
  return Array.isArray(parsed) ? (parsed as Suggestion[]) : [];
}

function writeJson(file: string, value: unknown): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, `${JSON.stringify(value, null, 2)}\n`);
  fs.renameSync(tmp, file);
}

/** Whether a target names something that exists: a passage of that locale, a flow, or a not-covered topic. */
export function targetProblem(target: string, locale: Locale, kb?: KnowledgeBase): string | undefined {
  if (target.startsWith('flow:')) return FLOW_NAMES.includes(target.slice(5) as FlowName) ? undefined : 'unknown flow';
  if (target.startsWith('none:')) return /^none:[a-z0-9][a-z0-9-]{0,40}$/.test(target) ? undefined : 'a topic is lower-case letters, digits and -';
  if (!kb) return undefined;
  return kb.passage(target, locale) ? undefined : 'unknown passage id';
}

export function addSuggestion(trainingDir: string, s: Omit<Suggestion, 'status' | 'at'> & { at?: string }): Suggestion {
  const all = readSuggestions(trainingDir);
  const suggestion: Suggestion = { locale: s.locale, text: s.text, target: s.target, status: 'pending', by: s.by, at: s.at ?? new Date().toISOString() };
  const same = all.find((x) => x.locale === s.locale && x.text === s.text && x.target === s.target);
  if (same) return same;
  all.push(suggestion);
  writeJson(suggestionsFile(trainingDir), all);
  return suggestion;
}

/** Marks a pending suggestion reviewed (by someone other than its author, when `fourEyes`). */
export function reviewSuggestion(trainingDir: string, index: number, by: string, at = new Date().toISOString()): Suggestion | undefined {
  const all = readSuggestions(trainingDir);
  const s = all[index];
  if (!s || s.status !== 'pending') return undefined;
  s.status = 'reviewed';
  s.reviewedBy = by;
  s.reviewedAt = at;
  writeJson(suggestionsFile(trainingDir), all);
  return s;
}

export interface SuggestedFile {
  locale: string;
  passages: Record<string, { fingerprint?: string; utterances: string[] }>;
  /** The policy the not-covered topics were reviewed against (the model ignores them on another text). */
  notCoveredFor?: string;
  flows: Record<string, string[]>;
  notCovered: Record<string, string[]>;
}

/**
 * Moves reviewed suggestions into <locale>/suggested.json; pending ones stay. Returns how many moved per locale.
 * With the locale's passages, what is added is stamped as reviewed for the current policy text (the model
 * trains only on stamped passage utterances and on not-covered topics of the same policy).
 */
export function applySuggestions(trainingDir: string, passagesFor?: (locale: string) => readonly Passage[] | undefined): Record<string, number> {
  const all = readSuggestions(trainingDir);
  const reviewed = all.filter((s) => s.status === 'reviewed');
  const moved: Record<string, number> = {};
  for (const locale of new Set(reviewed.map((s) => s.locale))) {
    const file = path.join(trainingDir, locale, 'suggested.json');
    const current: SuggestedFile = fs.existsSync(file)
      ? { passages: {}, flows: {}, notCovered: {}, ...(JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<SuggestedFile>), locale }
      : { locale, passages: {}, flows: {}, notCovered: {} };
    const add = (list: string[], text: string): void => { if (!list.includes(text)) list.push(text); };
    const passages = passagesFor?.(locale);
    for (const s of reviewed.filter((x) => x.locale === locale)) {
      if (s.target.startsWith('flow:')) add(current.flows[s.target.slice(5)] ??= [], s.text);
      else if (s.target.startsWith('none:')) {
        add(current.notCovered[s.target.slice(5)] ??= [], s.text);
        if (passages) current.notCoveredFor = documentFingerprint(passages);
      } else {
        const entry = (current.passages[s.target] ??= { utterances: [] });
        add(entry.utterances, s.text);
        const passage = passages?.find((p) => p.id === s.target);
        if (passage) entry.fingerprint = fingerprintOf(passage);
      }
      moved[locale] = (moved[locale] ?? 0) + 1;
    }
    writeJson(file, current);
  }
  writeJson(suggestionsFile(trainingDir), all.filter((s) => s.status !== 'reviewed'));
  return moved;
}
