/**
 * Agent assist: what an agent on a call needs from what the caller said: the
 * three closest passages with a short script to read out, and the guided
 * flow (if any) the caller's words suggest. Pure, over the knowledge base.
 */
import type { I18n } from '../i18n/i18n.js';
import type { Locale } from '../i18n/locale.js';
import type { KnowledgeBase } from '../knowledge/knowledgeBase.js';
import { spokenPassageLabel } from '../voice/ssml.js';

export interface AssistSuggestion {
  readonly id: string;
  readonly title: string;
  readonly label: string;
  readonly score: number;
  readonly text: string;
  /** What the agent can read out: the short answer, then where it is in the policy. */
  readonly script: string;
}

export interface AssistResult {
  readonly locale: Locale;
  readonly passages: readonly AssistSuggestion[];
  readonly flow: 'leakReport' | 'dataRequest' | 'minorConsent' | null;
  /** True when the policy does not answer it: the agent should not read any script as an answer. */
  readonly fallback: boolean;
  readonly confidence: number;
}

export function assist(kb: KnowledgeBase, i18n: I18n, text: string, locale: Locale): AssistResult {
  const result = kb.search.find(text, locale);
  const decision = kb.route(text, locale);
  const t = i18n.getFixedT(locale, 'agent');
  const passages = result.hits
    .filter((h) => h.kind === 'passage')
    .slice(0, 3)
    .map((h): AssistSuggestion => {
      const p = kb.passage(h.key, locale)!;
      const summary = kb.aids(h.key, locale)?.summary ?? p.text;
      return {
        id: p.id, title: p.title, label: p.label, score: Math.round(h.score * 1000) / 1000, text: p.text,
        script: t('script', { summary, where: spokenPassageLabel(p.id, locale) }),
      };
    });
  return {
    locale,
    passages,
    flow: decision.kind === 'flow' ? decision.flow : null,
    fallback: decision.kind === 'fallback',
    confidence: decision.confidence,
  };
}
