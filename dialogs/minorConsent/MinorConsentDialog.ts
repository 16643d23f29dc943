/**
 * Minor consent: is the user the minor or the guardian; the age band (under
 * 14, 14-17; 18 or over ends the flow with the policy's rule); the guardian's
 * name, relationship and contact; then a ticket and a handoff to an agent.
 * A child is asked for nothing beyond what consent needs: not even their name.
 */
import type { DialogTurnResult, WaterfallStepContext } from 'botbuilder-dialogs';
import { detectStatedAge } from '../../knowledge/detectAge.js';
import { maskPersonalData } from '../../privacy/mask.js';
import { turnLocale } from '../assistantMeta.js';
import { handOff } from '../handoff.js';
import { choiceSet } from '../flowBase/choices.js';
import { FlowDialog, type FlowServices } from '../flowBase/FlowDialog.js';
import { choiceQuestion, contactQuestion, nameQuestion } from '../flowBase/questions.js';
import { recognizeChoices } from '../flowBase/recognize.js';
import { parseContact } from '../flowBase/contact.js';

export const ROLES = ['minor', 'guardian'] as const;
export const AGE_BANDS = ['under14', 'teen', 'adult'] as const;
export const RELATIONSHIPS = ['parent', 'legalGuardian', 'relative'] as const;

export interface MinorConsentDraft {
  role?: string;
  ageBand?: string;
  guardianName?: string;
  relationship?: string;
  guardianContact?: string;
}

export function ageBandOf(age: number): (typeof AGE_BANDS)[number] {
  return age < 14 ? 'under14' : age < 18 ? 'teen' : 'adult';
}

export class MinorConsentDialog extends FlowDialog<MinorConsentDraft> {
  constructor(services: FlowServices) {
    super('minorConsent', services);
    const { i18n } = services;
    this.addQuestion(choiceQuestion('role', (locale) => choiceSet(i18n, locale, 'minorConsent', 'role', ROLES).choices));
    this.addQuestion({
      ...choiceQuestion('age', (locale) => choiceSet(i18n, locale, 'minorConsent', 'age', AGE_BANDS).choices),
      // "15", "I'm fifteen", "十五岁" answer too, not only the band's name.
      parse: (text, locale) => {
        const age = detectStatedAge(text) ?? (/^\s*\d{1,2}\s*$/.test(text) ? Number(text) : undefined);
        if (age !== undefined && age > 0 && age < 120) return [ageBandOf(age)];
        const picked = recognizeChoices(text, choiceSet(i18n, locale, 'minorConsent', 'age', AGE_BANDS).choices);
        return picked.length ? picked : undefined;
      },
    });
    this.addQuestion(nameQuestion('guardianName'));
    this.addQuestion(choiceQuestion('relationship', (locale) => choiceSet(i18n, locale, 'minorConsent', 'relationship', RELATIONSHIPS).choices));
    this.addQuestion(contactQuestion('guardianContact'));
    this.addSteps([
      this.introStep,
      this.askRoleStep,
      this.askAgeStep,
      this.askGuardianNameStep,
      this.askRelationshipStep,
      this.askGuardianContactStep,
      this.handOffStep,
    ]);
  }

  protected emptyDraft(): MinorConsentDraft {
    return {};
  }

  protected summarize(d: MinorConsentDraft): string {
    return maskPersonalData(`minor consent; role: ${d.role ?? '-'}; age band: ${d.ageBand ?? '-'}; relationship: ${d.relationship ?? '-'}; guardian contact: ${d.guardianContact ?? '-'}`);
  }

  private set(step: WaterfallStepContext, key: string, values: readonly string[]) {
    return choiceSet(this.services.i18n, turnLocale(step.context), 'minorConsent', key, values);
  }

  private isGuardian(step: WaterfallStepContext): boolean {
    return this.draft(step).role === 'guardian';
  }

  private async introStep(step: WaterfallStepContext<{ text?: string }>): Promise<DialogTurnResult> {
    const first = step.options?.text ?? '';
    const draft = this.draft(step);
    draft.role = recognizeChoices(first, this.set(step, 'role', ROLES).choices.filter((c) => c.value === 'guardian'))[0];
    const age = detectStatedAge(first);
    if (age !== undefined) {
      draft.ageBand = ageBandOf(age);
      // "I'm 15" is the minor speaking; "my son is 14" was caught above as the guardian.
      draft.role ??= 'minor';
    }
    await this.say(step, 'intro', 'intro');
    return step.next();
  }

  private async askRoleStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    if (this.draft(step).role) return step.next();
    return this.ask(step, 'role', { text: this.t(step)('role.prompt'), ...this.set(step, 'role', ROLES) });
  }

  private async askAgeStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const draft = this.draft(step);
    if (typeof step.result === 'string') draft.role = recognizeChoices(step.result, this.set(step, 'role', ROLES).choices)[0];
    if (draft.ageBand) return step.next();
    const t = this.t(step);
    return this.ask(step, 'age', { text: t(this.isGuardian(step) ? 'age.promptGuardian' : 'age.promptMinor'), ...this.set(step, 'age', AGE_BANDS) });
  }

  private async askGuardianNameStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const draft = this.draft(step);
    if (typeof step.result === 'string') {
      const age = detectStatedAge(step.result) ?? (/^\s*\d{1,2}\s*$/.test(step.result) ? Number(step.result) : undefined);
      draft.ageBand = age !== undefined ? ageBandOf(age) : recognizeChoices(step.result, this.set(step, 'age', AGE_BANDS).choices)[0];
    }
    if (draft.ageBand === 'adult') {
      await this.say(step, 'adult', 'adult');
      return step.endDialog();
    }
    const t = this.t(step);
    return this.ask(step, 'guardianName', { text: t(this.isGuardian(step) ? 'guardianName.promptGuardian' : 'guardianName.promptMinor') });
  }

  private async askRelationshipStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    this.draft(step).guardianName = String(step.result).trim();
    return this.ask(step, 'relationship', { text: this.t(step)('relationship.prompt'), ...this.set(step, 'relationship', RELATIONSHIPS) });
  }

  private async askGuardianContactStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    this.draft(step).relationship = recognizeChoices(String(step.result), this.set(step, 'relationship', RELATIONSHIPS).choices)[0];
    const t = this.t(step);
    return this.ask(step, 'guardianContact', { text: t(this.isGuardian(step) ? 'contact.promptGuardian' : 'contact.promptMinor') });
  }

  private async handOffStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const draft = this.draft(step);
    draft.guardianContact = parseContact(String(step.result));
    const locale = turnLocale(step.context);
    const t = this.t(step);
    const ticket = await this.openTicket(step, 'handoff', {
      priority: 'normal',
      fields: {
        role: draft.role ?? '', ageBand: draft.ageBand ?? '', guardianName: draft.guardianName ?? '',
        relationship: draft.relationship ?? '', guardianContact: draft.guardianContact ?? '',
      },
    });
    const guardian = this.isGuardian(step) ? t('guardianSelf') : draft.guardianName ?? '';
    const closing = [t('guardianMustDo'), draft.ageBand === 'under14' ? t('under14') : ''].filter(Boolean).join(' ');
    await this.announceTicket(step, ticket, { params: { guardian }, next: t('guardianMustDo'), after: closing });
    await handOff(step.context, this.services.i18n, locale, { reason: 'minorConsent', ticketId: ticket.id, summary: this.summarize(draft) });
    return step.endDialog({ ticketId: ticket.id });
  }
}
