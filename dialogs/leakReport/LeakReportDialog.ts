/**
 * Leak report: what leaked, safety advice at once when the risk is urgent,
 * how it was noticed, when, how to reach the user, a masked summary to
 * confirm, then a ticket customer service can act on.
 */
import type { DialogTurnResult, WaterfallStepContext } from 'botbuilder-dialogs';
import { maskPersonalData } from '../../privacy/mask.js';
import { turnLocale } from '../assistantMeta.js';
import { message } from '../replies.js';
import { choiceSet } from '../flowBase/choices.js';
import { FlowDialog, type FlowServices } from '../flowBase/FlowDialog.js';
import { contactQuestion, freeTextQuestion, yesNoQuestion, choiceQuestion } from '../flowBase/questions.js';
import { recognizeChoices } from '../flowBase/recognize.js';
import { parseContact } from '../flowBase/contact.js';

export const LEAKED_ITEMS = ['password', 'phone', 'email', 'idCard', 'bankCard', 'address', 'other'] as const;
export const NOTICED_BY = ['phishingSms', 'phishingCall', 'phishingSite', 'strangeLogin', 'strangeOrder', 'other'] as const;
export type LeakedItem = (typeof LEAKED_ITEMS)[number];

export interface LeakReportDraft {
  leaked: string[];
  noticedBy?: string;
  when?: string;
  contact?: string;
  adviceGiven?: boolean;
}

/** Password or bank card: the user could lose money or the account now. */
export function leakPriority(leaked: readonly string[]): 'urgent' | 'normal' {
  return leaked.includes('password') || leaked.includes('bankCard') ? 'urgent' : 'normal';
}

export class LeakReportDialog extends FlowDialog<LeakReportDraft> {
  constructor(services: FlowServices) {
    super('leakReport', services);
    const { i18n } = services;
    this.addQuestion(choiceQuestion('whatLeaked', (locale) => choiceSet(i18n, locale, 'leakReport', 'whatLeaked', LEAKED_ITEMS).choices, true));
    this.addQuestion(choiceQuestion('howNoticed', (locale) => choiceSet(i18n, locale, 'leakReport', 'howNoticed', NOTICED_BY).choices));
    this.addQuestion(freeTextQuestion('when'));
    this.addQuestion(contactQuestion('contact'));
    this.addQuestion(yesNoQuestion('confirm', i18n));
    this.addSteps([
      this.introStep,
      this.askWhatLeakedStep,
      this.adviseStep,
      this.askHowNoticedStep,
      this.askWhenStep,
      this.askContactStep,
      this.confirmStep,
      this.submitStep,
    ]);
  }

  protected emptyDraft(): LeakReportDraft {
    return { leaked: [] };
  }

  protected summarize(d: LeakReportDraft): string {
    return maskPersonalData(`leak report; leaked: ${d.leaked.join(', ') || '-'}; noticed: ${d.noticedBy ?? '-'}; when: ${d.when ?? '-'}; contact: ${d.contact ?? '-'}`);
  }

  private sets(step: WaterfallStepContext) {
    const locale = turnLocale(step.context);
    return {
      leaked: choiceSet(this.services.i18n, locale, 'leakReport', 'whatLeaked', LEAKED_ITEMS),
      noticed: choiceSet(this.services.i18n, locale, 'leakReport', 'howNoticed', NOTICED_BY),
    };
  }

  /** What the first message already says ("my password was stolen", "a fake Buygogo call") is not asked again. */
  private async introStep(step: WaterfallStepContext<{ text?: string }>): Promise<DialogTurnResult> {
    const draft = this.draft(step);
    const first = step.options?.text ?? '';
    const { leaked, noticed } = this.sets(step);
    draft.leaked = recognizeChoices(first, leaked.choices.filter((c) => c.value !== 'other'), { multiple: true });
    const how = recognizeChoices(first, noticed.choices.filter((c) => c.value !== 'other'));
    if (how[0]) draft.noticedBy = how[0];
    await this.say(step, 'intro', 'intro');
    return step.next();
  }

  private async askWhatLeakedStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    if (this.draft(step).leaked.length > 0) return step.next();
    const { leaked } = this.sets(step);
    return this.ask(step, 'whatLeaked', { text: this.t(step)('whatLeaked.prompt'), ...leaked, multiple: true });
  }

  /** Safety first: advice fitted to what leaked, before any more questions. */
  private async adviseStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const draft = this.draft(step);
    if (typeof step.result === 'string') {
      draft.leaked = recognizeChoices(step.result, this.sets(step).leaked.choices, { multiple: true });
    }
    this.moveTo(step, 'advice');
    const t = this.t(step);
    const tips = [
      draft.leaked.includes('password') ? t('advice.password') : '',
      draft.leaked.includes('bankCard') ? t('advice.bankCard') : '',
      draft.leaked.includes('idCard') ? t('advice.idCard') : '',
      t('advice.codes'),
      draft.leaked.some((x) => x === 'phone' || x === 'email' || x === 'address') ? t('advice.contact') : '',
    ].filter(Boolean);
    const locale = turnLocale(step.context);
    await step.context.sendActivity(message({
      text: `${t('advice.intro')}\n\n${tips.map((tip) => `- ${tip}`).join('\n')}`,
      speakText: `${t('advice.intro')} ${tips.slice(0, 2).join(' ')}`,
      locale, meta: { kind: 'flow' },
    }));
    draft.adviceGiven = true;
    return step.next();
  }

  private async askHowNoticedStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    if (this.draft(step).noticedBy) return step.next();
    return this.ask(step, 'howNoticed', { text: this.t(step)('howNoticed.prompt'), ...this.sets(step).noticed });
  }

  private async askWhenStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const draft = this.draft(step);
    if (typeof step.result === 'string') draft.noticedBy = recognizeChoices(step.result, this.sets(step).noticed.choices)[0];
    return this.ask(step, 'when', { text: this.t(step)('when.prompt') });
  }

  private async askContactStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    // Only the time is kept: numbers typed here (an ID card "when" it leaked) are not what was asked.
    this.draft(step).when = maskPersonalData(String(step.result)).slice(0, 200);
    return this.ask(step, 'contact', { text: this.t(step)('contact.prompt') });
  }

  private async confirmStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const draft = this.draft(step);
    draft.contact = parseContact(String(step.result));
    const t = this.t(step);
    const { leaked, noticed } = this.sets(step);
    const params = {
      leaked: draft.leaked.map((x) => leaked.labels[x]).join(', '),
      noticed: draft.noticedBy ? noticed.labels[draft.noticedBy] : '-',
      when: draft.when,
      contact: maskPersonalData(draft.contact ?? ''),
      priority: t(`priority.${leakPriority(draft.leaked)}`),
    };
    return this.ask(step, 'confirm', { text: t('confirm.prompt', params), speak: t('confirm.speak', params), ...this.yesNo(step, 'confirm') });
  }

  private async submitStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const t = this.t(step);
    if (!(await this.confirmed(step))) return step.endDialog();
    const draft = this.draft(step);
    const priority = leakPriority(draft.leaked);
    const ticket = await this.openTicket(step, 'submitted', {
      priority,
      fields: { leaked: draft.leaked, noticedBy: draft.noticedBy ?? 'other', when: draft.when ?? '', contact: draft.contact ?? '' },
    });
    const next = t(`next.${priority}`);
    await this.announceTicket(step, ticket, { params: { next }, next });
    return step.endDialog({ ticketId: ticket.id });
  }
}
