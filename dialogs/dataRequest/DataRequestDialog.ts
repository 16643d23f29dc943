/**
 * Data request: which right; self-service first where the policy gives one
 * (Personal Center → Settings, section 5); otherwise the account's phone or
 * e-mail (never a password or ID card number), what exactly, confirmation,
 * and a ticket with the response deadline from configuration.
 */
import type { DialogTurnResult, WaterfallStepContext } from 'botbuilder-dialogs';
import { maskPersonalData } from '../../privacy/mask.js';
import { dueDate } from '../../tickets/deadline.js';
import { turnLocale } from '../assistantMeta.js';
import { choiceSet } from '../flowBase/choices.js';
import { FlowDialog, type FlowServices } from '../flowBase/FlowDialog.js';
import { choiceQuestion, contactQuestion, freeTextQuestion, yesNoQuestion } from '../flowBase/questions.js';
import { recognizeChoices, recognizeConfirmation } from '../flowBase/recognize.js';
import { parseContact } from '../flowBase/contact.js';

export const DATA_RIGHTS = ['see', 'correct', 'copy', 'delete', 'close', 'withdraw'] as const;
/** Rights the app's own settings page serves (policy section 5): offered before a request is filed. */
export const SELF_SERVICE_RIGHTS: readonly string[] = ['see', 'correct'];

export interface DataRequestDraft {
  right?: string;
  account?: string;
  details?: string;
  due?: string;
}

export class DataRequestDialog extends FlowDialog<DataRequestDraft> {
  constructor(services: FlowServices) {
    super('dataRequest', services);
    const { i18n } = services;
    this.addQuestion(choiceQuestion('right', (locale) => choiceSet(i18n, locale, 'dataRequest', 'right', DATA_RIGHTS).choices));
    this.addQuestion(yesNoQuestion('selfService', i18n));
    this.addQuestion(contactQuestion('account'));
    this.addQuestion(freeTextQuestion('details'));
    this.addQuestion(yesNoQuestion('confirm', i18n));
    this.addSteps([
      this.introStep,
      this.askRightStep,
      this.offerSelfServiceStep,
      this.askAccountStep,
      this.askDetailsStep,
      this.confirmStep,
      this.submitStep,
    ]);
  }

  protected emptyDraft(): DataRequestDraft {
    return {};
  }

  protected summarize(d: DataRequestDraft): string {
    return maskPersonalData(`data request; right: ${d.right ?? '-'}; account: ${d.account ?? '-'}`);
  }

  private rights(step: WaterfallStepContext) {
    return choiceSet(this.services.i18n, turnLocale(step.context), 'dataRequest', 'right', DATA_RIGHTS);
  }

  private async introStep(step: WaterfallStepContext<{ text?: string }>): Promise<DialogTurnResult> {
    // "Close my account and delete everything" names two rights; closing the account is the larger one.
    const named = recognizeChoices(step.options?.text ?? '', this.rights(step).choices, { multiple: true });
    this.draft(step).right = named.includes('close') ? 'close' : named[0];
    await this.say(step, 'intro', 'intro');
    return step.next();
  }

  private async askRightStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    if (this.draft(step).right) return step.next();
    return this.ask(step, 'right', { text: this.t(step)('right.prompt'), ...this.rights(step) });
  }

  private async offerSelfServiceStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const draft = this.draft(step);
    if (typeof step.result === 'string') draft.right = recognizeChoices(step.result, this.rights(step).choices)[0];
    if (!SELF_SERVICE_RIGHTS.includes(draft.right ?? '')) return step.next();
    const t = this.t(step);
    return this.ask(step, 'selfService', { text: t('selfService.prompt'), speak: t('selfService.speak'), ...this.yesNo(step, 'solved') });
  }

  private async askAccountStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    if (typeof step.result === 'string' && recognizeConfirmation(step.result, this.services.i18n) === true) {
      await this.say(step, 'selfServiceSolved', 'selfService.solved');
      return step.endDialog();
    }
    return this.ask(step, 'account', { text: this.t(step)('account.prompt') });
  }

  private async askDetailsStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    this.draft(step).account = parseContact(String(step.result));
    return this.ask(step, 'details', { text: this.t(step)('details.prompt') });
  }

  private async confirmStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const draft = this.draft(step);
    // Keep only what was asked: numbers typed into the details (an ID card, say) are masked away.
    draft.details = maskPersonalData(String(step.result)).slice(0, 500);
    const { days, kind } = this.services.deadline;
    draft.due = dueDate(this.services.clock(), days, kind);
    const t = this.t(step);
    const params = {
      right: this.rights(step).labels[draft.right ?? ''] ?? '-',
      account: maskPersonalData(draft.account ?? ''),
      details: draft.details,
      due: draft.due, days, kind: t(`kind.${kind}`),
    };
    return this.ask(step, 'confirm', { text: t('confirm.prompt', params), speak: t('confirm.speak', params), ...this.yesNo(step, 'confirm') });
  }

  private async submitStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const t = this.t(step);
    if (!(await this.confirmed(step))) return step.endDialog();
    const draft = this.draft(step);
    const ticket = await this.openTicket(step, 'submitted', {
      priority: 'normal',
      fields: { right: draft.right ?? '', account: draft.account ?? '', details: draft.details ?? '', regime: this.services.deadline.regime },
      ...(draft.due ? { dueDate: draft.due } : {}),
    });
    await this.announceTicket(step, ticket, { params: { due: ticket.dueDate }, next: t('next', { due: ticket.dueDate }) });
    return step.endDialog({ ticketId: ticket.id });
  }
}
