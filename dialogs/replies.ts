/**
 * Builders for the assistant's messages. Text comes from i18next; speech from
 * the voice module; metadata per CONTRACT.md. Every builder returns a complete
 * message: text, speak, inputHint, locale and channelData.assistant.
 */
import { ActionTypes, ActivityTypes, InputHints, type Activity, type Attachment, type CardAction } from 'botbuilder';
import { translator, type I18n, type TFunction } from '../i18n/i18n.js';
import type { Locale } from '../i18n/locale.js';
import type { KnowledgeBase } from '../knowledge/knowledgeBase.js';
import { isUnder, type Passage } from '../knowledge/passage.js';
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

/** A stored question as a person writes it: capital first letter, ending in a question mark. */
export function asQuestion(text: string, locale: Locale): string {
  const q = text.trim().replace(/[\s.。!！]+$/u, '');
  if (q === '') return q;
  if (locale === 'zh-CN') return /[?？]$/u.test(q) ? q.replace(/\?$/, '？') : `${q}？`;
  const capital = q.charAt(0).toUpperCase() + q.slice(1);
  return /\?$/.test(capital) ? capital : `${capital}?`;
}

const sectionOf = (id: string): string => id.split(/[.#]/)[0] ?? id;

/**
 * Related passages worth offering after an answer: those in the same section of the policy, or those that
 * name this passage as related in turn. A one-way link across sections (a leak answer pointing at copyright
 * complaints) is off topic for the person reading.
 */
export function relatedOnTopic(kb: KnowledgeBase, id: string, locale: Locale): string[] {
  return (kb.aids(id, locale)?.followUps ?? []).filter((rid) => rid !== id && kb.passage(rid, locale) &&
    (sectionOf(rid) === sectionOf(id) || (kb.aids(rid, locale)?.followUps ?? []).includes(id)));
}

/** Suggested follow-ups: the first alternate question of each related passage, written as a question, so tapping one asks it. */
export function followUpActions(kb: KnowledgeBase, id: string, locale: Locale, extra: readonly CardAction[] = []): CardAction[] {
  const questions = relatedOnTopic(kb, id, locale)
    .map((rid) => kb.aids(rid, locale)?.questions[0])
    .filter((q): q is string => typeof q === 'string' && q.trim() !== '')
    .slice(0, 2)
    .map((q): CardAction => { const title = asQuestion(q, locale); return { type: ActionTypes.ImBack, title, value: title }; });
  return [...extra, ...questions].slice(0, 3);
}

/** A passage that only introduces a list ("…as follows:", "…包括："): its answer is the list. */
export function introducesList(text: string): boolean {
  return /(?:[:：]|as follows\.?|如下[。：:]?)\s*$/iu.test(text.trim());
}

/** The list a passage introduces: the items under its heading one level down (`1.1`, `1.2`… for `1#1`), one per item. */
export function listItems(kb: KnowledgeBase, id: string, locale: Locale): Passage[] {
  const base = id.split('#')[0]!;
  const depth = (x: string): number => x.split('.').length;
  const seen = new Set<string>();
  return kb.document(locale).passages.filter((p) => {
    const head = p.id.split('#')[0]!;
    if (head === base || !isUnder(p.id, base) || depth(head) !== depth(base) + 1 || seen.has(head)) return false;
    seen.add(head);
    return true;
  });
}

/** Passages this short are their own summary: the policy's words, once. */
const SHORT_PASSAGE = { 'en-US': 220, 'zh-CN': 90 } as const;

/** An answer's words, the same for everyone who gets that passage: made once (only the citation's score varies). */
interface AnswerParts {
  readonly text: string;
  readonly speak: string;
  readonly title: string;
  readonly actions: readonly CardAction[];
}

/**
 * Answers already written, per knowledge base and per translator (a translator is made again when the i18n
 * resources change, which leaves the old answers behind). Keys are passages, locales and offered flows, so the
 * map is bounded by the policy; the cap only guards against callers passing arbitrary extra actions.
 */
const writtenAnswers = new WeakMap<KnowledgeBase, WeakMap<TFunction, Map<string, AnswerParts>>>();
const MAX_WRITTEN_ANSWERS = 2000;

export function answerMessage(
  kb: KnowledgeBase, i18n: I18n, id: string, locale: Locale, hits: readonly SearchHit[], extraActions: readonly CardAction[] = [],
  { voice = false } = {},
): Partial<Activity> {
  const t = translator(i18n, locale);
  let byTranslator = writtenAnswers.get(kb);
  if (!byTranslator) { byTranslator = new WeakMap(); writtenAnswers.set(kb, byTranslator); }
  let answers = byTranslator.get(t);
  if (!answers) { answers = new Map(); byTranslator.set(t, answers); }
  const key = JSON.stringify([id, voice, extraActions]);
  let parts = answers.get(key);
  if (!parts) {
    if (answers.size >= MAX_WRITTEN_ANSWERS) answers.clear();
    parts = writeAnswer(kb, t, id, locale, extraActions, voice);
    answers.set(key, parts);
  }
  const best = hits.find((h) => h.key === id);
  const citation: Citation = { id, title: parts.title, score: Math.round((best?.score ?? 1) * 1000) / 1000 };
  const actions = parts.actions.map((a) => ({ ...a }));
  return {
    type: ActivityTypes.Message,
    text: parts.text,
    speak: parts.speak,
    inputHint: InputHints.AcceptingInput,
    locale,
    ...(actions.length > 0 ? { suggestedActions: { actions, to: [] } } : {}),
    channelData: { assistant: { kind: 'answer', citations: [citation], locale } },
  };
}

function writeAnswer(kb: KnowledgeBase, t: TFunction, id: string, locale: Locale, extraActions: readonly CardAction[], voice: boolean): AnswerParts {
  const passage = kb.passage(id, locale)!;
  const summary = kb.aids(id, locale)?.summary ?? passage.text;
  const citationText = t('answer.citation', { label: passage.label, title: passage.title });
  // One answer, said once: the list a passage introduces, or the passage itself when short, or its plain summary.
  // The whole passage is a tap away (the citation opens it in the policy) or a "more" away.
  const items = introducesList(passage.text) ? listItems(kb, id, locale) : [];
  const body = items.length > 0
    ? `${passage.text}\n\n${items.map((p) => `- ${p.title}`).join('\n')}`
    : passage.text.length <= SHORT_PASSAGE[locale] ? passage.text : summary;
  const written = message({
    text: t('answer.cited', { summary: body, citation: citationText, link: policyLink(id, locale) }),
    // On the phone the short answer comes first; the whole passage only if the caller asks for more.
    speakText: t('answer.speak', { summary: firstSentences(summary, 2), spokenLabel: spokenPassageLabel(id, locale) }) + (voice ? ` ${t('answer.moreHint')}` : ''),
    maxSentences: 4,
    locale,
    meta: { kind: 'answer' },
    actions: followUpActions(kb, id, locale, extraActions),
  });
  return {
    text: written.text!, speak: written.speak!, title: passage.title,
    actions: Object.freeze([...(written.suggestedActions?.actions ?? [])].map((a) => Object.freeze({ ...a }))),
  };
}

export function clarifyMessage(kb: KnowledgeBase, i18n: I18n, options: readonly SearchHit[], locale: Locale): Partial<Activity> {
  const t = translator(i18n, locale);
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

/**
 * No answer. `unsure`: the message could not be matched to the policy with confidence (it may be about something
 * the policy does say): the reply says no reliable answer was found, not that the policy is silent on it, which
 * is said only of what the assistant knows the policy does not cover.
 */
export function fallbackMessage(i18n: I18n, locale: Locale, { unsure = false }: { unsure?: boolean } = {}): Partial<Activity> {
  const t = translator(i18n, locale);
  const key = unsure ? 'fallback.unsure' : 'fallback';
  return message({
    text: t(`${key}.text`),
    speakText: t(`${key}.speak`),
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
  const t = translator(i18n, locale);
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
  const t = translator(i18n, locale);
  return message({
    text: t('help'),
    speakText: t('helpSpeak'),
    locale,
    meta: { kind: 'help' },
    actions: [t('actions.leakReport'), t('actions.dataRequest'), t('actions.minorConsent')],
  });
}

export function welcomeMessage(i18n: I18n, locale: Locale): Partial<Activity> {
  const t = translator(i18n, locale);
  return message({
    text: t('welcome'),
    speakText: t('welcomeSpeak'),
    locale,
    meta: { kind: 'welcome' },
    actions: [t('actions.leakReport'), t('actions.dataRequest'), t('actions.minorConsent')],
  });
}

export function infoMessage(i18n: I18n, locale: Locale, key: string, speakKey?: string): Partial<Activity> {
  const t = translator(i18n, locale);
  return message({ text: t(key), speakText: speakKey ? t(speakKey) : undefined, locale, meta: { kind: 'info' } });
}

/** The whole passage, read out when a caller says "more" after an answer. */
export function wholePassageMessage(kb: KnowledgeBase, i18n: I18n, id: string, locale: Locale): Partial<Activity> {
  const t = translator(i18n, locale);
  const passage = kb.passage(id, locale)!;
  const items = introducesList(passage.text) ? listItems(kb, id, locale) : [];
  const whole = items.length > 0 ? `${passage.text}\n\n${items.map((p) => `- ${p.title}`).join('\n')}` : passage.text;
  const text = t('answer.more', { label: spokenPassageLabel(id, locale), passage: whole });
  return {
    ...message({ text, locale, meta: { kind: 'answer', citations: [citationOf(kb, id, locale, 1)] } }),
    speak: ssml(text, locale, { maxSentences: 12 }),
  };
}
