/**
 * Agent assist: what an agent on a call needs from what the caller said: the
 * three closest passages with their text and a short script to read out, and
 * the guided flow (if any) the caller's words suggest. On a fallback (the
 * policy does not answer it) there is no script: the passages are only
 * related reading. Pure, over the knowledge base.
 */
import type { I18n } from '../i18n/i18n.js';
import type { Locale } from '../i18n/locale.js';
import { knownNotCovered } from '../knowledge/decide.js';
import type { KnowledgeBase } from '../knowledge/knowledgeBase.js';
import { spokenPassageLabel } from '../voice/ssml.js';

export interface AssistSuggestion {
  readonly id: string;
  readonly title: string;
  readonly label: string;
  readonly score: number;
  /**
   * In words for the agent: `strong` is the passage the assistant itself would answer with;
   * `possible` is a nearby passage the agent should check against what the caller asked.
   */
  readonly match: 'strong' | 'possible';
  /** The passage's own text, so the agent can check the script against it. */
  readonly text: string;
  /** What the agent can read out: the short answer, then where it is in the policy. Null on a fallback: read nothing. */
  readonly script: string | null;
}

export interface AssistResult {
  readonly locale: Locale;
  readonly passages: readonly AssistSuggestion[];
  readonly flow: 'leakReport' | 'dataRequest' | 'minorConsent' | null;
  /** True when the policy does not answer it: the agent should not read any script as an answer. */
  readonly fallback: boolean;
  /**
   * On a fallback: `notCovered` when the assistant knows the policy does not cover the topic, `unsure` when it
   * could not match the question with confidence (the policy may still say something: the related passages).
   */
  readonly fallbackReason: 'notCovered' | 'unsure' | null;
  readonly confidence: number;
}

/**
 * Agents type what the caller said in reported speech ("caller asks whether we …", "他问…"); the assistant
 * is trained on the caller's own words, so the lead-in is dropped before the question is understood.
 */
export function withoutReportedSpeech(text: string): string {
  const stripped = text.trim()
    .replace(/^(?:the\s+)?(?:caller|customer|user|client|he|she|they)\s+(?:asks?|asked|is asking|wants? to know|would like to know|wonders?)\s+(?:about\s+|whether\s+|if\s+)?/i, '')
    .replace(/^(?:来电者|来电人|客户|用户|顾客|他|她)(?:想问|问|想知道|询问)(?:一下)?[：:，,]?/u, '');
  return stripped || text;
}

export function assist(kb: KnowledgeBase, i18n: I18n, said: string, locale: Locale): AssistResult {
  const text = withoutReportedSpeech(said);
  const result = kb.search.find(text, locale);
  const decision = kb.route(text, locale);
  const t = i18n.getFixedT(locale, 'agent');
  const fallback = decision.kind === 'fallback';
  const passages = result.hits
    .filter((h) => h.kind === 'passage')
    .slice(0, 3)
    .map((h): AssistSuggestion => {
      const p = kb.passage(h.key, locale)!;
      const summary = kb.aids(h.key, locale)?.summary ?? p.text;
      return {
        id: p.id, title: p.title, label: p.label, score: Math.round(h.score * 1000) / 1000,
        match: decision.kind === 'answer' && decision.passageId === p.id ? 'strong' : 'possible',
        text: p.text,
        script: fallback ? null : t('script', { summary, where: spokenPassageLabel(p.id, locale) }),
      };
    });
  return {
    locale,
    passages,
    // A question inside a story is answered, and the story's flow is what the caller may need next.
    flow: decision.kind === 'flow' ? decision.flow : decision.kind === 'answer' ? decision.offerFlow ?? null : null,
    fallback,
    fallbackReason: !fallback ? null : knownNotCovered(decision) ? 'notCovered' : 'unsure',
    confidence: decision.confidence,
  };
}
