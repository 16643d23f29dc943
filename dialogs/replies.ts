/**
 * Builders for the assistant's messages. Text comes from i18next; speech from
 * the voice module; metadata per CONTRACT.md. Every builder returns a complete
 * message: text, speak, inputHint, locale and channelData.assistant.
 */
import { ActionTypes, ActivityTypes, InputHints, type Activity, type Attachment, type CardAction } from 'botbuilder';
import type { I18n } from '../i18n/i18n.js';
import type { Locale } from '../i18n/locale.js';
import type { KnowledgeBase } from '../knowledge/knowledgeBase.js';
import type { SearchHit } from '../knowledge/decide.js';
import { firstSentences, ssml, spokenPassageLabel } from '../voice/ssml.js';
import type { AssistantMeta, Citation } from './assistantMeta.js';

export interface MessageParts {
  readonly text: string;
  /** Plain text to speak; defaults to `text` made speakable. */
  readonly speakText?: string;
  readonly locale: Locale;
  readonly meta: Omit<AssistantMeta, 'locale'>;
  readonly actions?: readonly (string | CardAction)[];
  readonly inputHint?: InputHints;
  /** Sentences of speech before the rest is cut (default 3); composed answers set their own. */
  readonly maxSentences?: number;
  readonly attachments?: readonly Attachment[];
}

export function message(parts: MessageParts): Partial<Activity> {
  const actions = (parts.actions ?? []).map((a): CardAction =>
    typeof a === 'string' ? { type: ActionTypes.ImBack, title: a, value: a } : a);
  return {
    type: ActivityTypes.Message,
    text: parts.text,
    speak: ssml(parts.speakText ?? parts.text, parts.locale, { maxSentences: parts.maxSentences ?? 3 }),
    inputHint: parts.inputHint ?? InputHints.AcceptingInput,
    locale: parts.locale,
    ...(actions.length > 0 ? { suggestedActions: { actions, to: [] } } : {}),
    ...(parts.attachments?.length ? { attachments: [...parts.attachments] } : {}),
    channelData: { assistant: { ...parts.meta, locale: parts.locale } },
  };
}

/** Where a citation links: the policy viewer's anchor for the passage. */
export function policyLink(id: string, locale: Locale): string {
  return `/policy${locale === 'zh-CN' ? '?lang=zh-CN' : ''}#${encodeURIComponent(id)}`;
}

export function citationOf(kb: KnowledgeBase, id: string, locale: Locale, score: number): Citation {
  const passage = kb.passage(id, locale);
  return { id, title: passage?.title ?? id, score: Math.round(score * 1000) / 1000 };
}

/** Suggested follow-ups: the first alternate question of each related passage, so tapping one asks it. */
export function followUpActions(kb: KnowledgeBase, id: string, locale: Locale, extra: readonly CardAction[] = []): CardAction[] {
  const related = kb.aids(id, locale)?.followUps ?? [];
  const questions = related
    .map((rid) => kb.aids(rid, locale)?.questions[0])
    .filter((q): q is string => typeof q === 'string')
    .slice(0, 2)
    .map((q): CardAction => ({ type: ActionTypes.ImBack, title: q, value: q }));
  return [...extra, ...questions].slice(0, 3);
}

export function answerMessage(
  kb: KnowledgeBase, i18n: I18n, id: string, locale: Locale, hits: readonly SearchHit[], extraActions: readonly CardAction[] = [],
  { voice = false } = {},
): Partial<Activity> {
  const t = i18n.getFixedT(locale);
  const passage = kb.passage(id, locale)!;
  const summary = kb.aids(id, locale)?.summary ?? passage.text;
  const citationText = t('answer.citation', { label: passage.label, title: passage.title });
  const best = hits.find((h) => h.key === id);
  const citations = [citationOf(kb, id, locale, best?.score ?? 1)];
  return message({
    text: t('answer.cited', { summary, passage: passage.text, citation: citationText, link: policyLink(id, locale) }),
    // On the phone the short answer comes first; the whole passage only if the caller asks for more.
    speakText: t('answer.speak', { summary: firstSentences(summary, 2), spokenLabel: spokenPassageLabel(id, locale) }) + (voice ? ` ${t('answer.moreHint')}` : ''),
    maxSentences: 4,
    locale,
    meta: { kind: 'answer', citations },
    actions: followUpActions(kb, id, locale, extraActions),
  });
}

export function clarifyMessage(kb: KnowledgeBase, i18n: I18n, options: readonly SearchHit[], locale: Locale): Partial<Activity> {
  const t = i18n.getFixedT(locale);
  const citations = options.map((h) => citationOf(kb, h.key, locale, h.score));
  const question = (id: string): string => kb.aids(id, locale)?.questions[0] ?? kb.passage(id, locale)?.title ?? id;
  return message({
    text: t('clarify.text'),
    speakText: t('clarify.speak', { first: citations[0]?.title, second: citations[1]?.title }),
    locale,
    meta: { kind: 'clarify', citations },
    actions: options.map((h) => question(h.key)),
    inputHint: InputHints.ExpectingInput,
  });
}

export function fallbackMessage(i18n: I18n, locale: Locale): Partial<Activity> {
  const t = i18n.getFixedT(locale);
  return message({
    text: t('fallback.text'),
    speakText: t('fallback.speak'),
    locale,
    meta: { kind: 'fallback' },
    actions: [t('actions.handoff'), t('actions.help')],
  });
}

/**
 * Small talk gets a short friendly line and the menu: never a policy answer, never "the policy doesn't cover
 * that". Its metadata says fallback (the policy answers none of it) with the intent, for hosts and scoring.
 */
export function smallTalkMessage(i18n: I18n, locale: Locale, intent: string): Partial<Activity> {
  const t = i18n.getFixedT(locale);
  const key = `smallTalk.${intent}`;
  const line = i18n.exists(key, { lng: locale }) ? t(key) : t('smallTalk.other');
  return message({
    text: `${line}\n\n${t('smallTalk.menu')}`,
    speakText: `${line} ${t('smallTalk.menuSpeak')}`,
    locale,
    meta: { kind: 'fallback', smallTalk: intent },
    actions: [t('actions.leakReport'), t('actions.dataRequest'), t('actions.minorConsent')],
  });
}

export function helpMessage(i18n: I18n, locale: Locale): Partial<Activity> {
  const t = i18n.getFixedT(locale);
  return message({
    text: t('help'),
    speakText: t('helpSpeak'),
    locale,
    meta: { kind: 'help' },
    actions: [t('actions.leakReport'), t('actions.dataRequest'), t('actions.minorConsent')],
  });
}

export function welcomeMessage(i18n: I18n, locale: Locale): Partial<Activity> {
  const t = i18n.getFixedT(locale);
  return message({
    text: t('welcome'),
    speakText: t('welcomeSpeak'),
    locale,
    meta: { kind: 'welcome' },
    actions: [t('actions.leakReport'), t('actions.dataRequest'), t('actions.minorConsent')],
  });
}

export function infoMessage(i18n: I18n, locale: Locale, key: string, speakKey?: string): Partial<Activity> {
  const t = i18n.getFixedT(locale);
  return message({ text: t(key), speakText: speakKey ? t(speakKey) : undefined, locale, meta: { kind: 'info' } });
}

/** The whole passage, read out when a caller says "more" after an answer. */
export function wholePassageMessage(kb: KnowledgeBase, i18n: I18n, id: string, locale: Locale): Partial<Activity> {
  const t = i18n.getFixedT(locale);
  const passage = kb.passage(id, locale)!;
  const text = t('answer.more', { label: spokenPassageLabel(id, locale), passage: passage.text });
  return {
    ...message({ text, locale, meta: { kind: 'answer', citations: [citationOf(kb, id, locale, 1)] } }),
    speak: ssml(text, locale, { maxSentences: 12 }),
  };
}
