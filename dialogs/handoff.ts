/**
 * Hands the conversation to a person with the standard Bot Framework handoff
 * event, so a contact-centre integration can pick it up, and tells the user
 * what happens next.
 */
import { EventFactory, type TurnContext } from 'botbuilder';
import { translator, type I18n } from '../i18n/i18n.js';
import type { Locale } from '../i18n/locale.js';
import { maskPersonalData } from '../privacy/mask.js';
import { message } from './replies.js';

export interface HandoffDetails {
  readonly reason: string;
  readonly ticketId?: string;
  /** A short summary for the agent; masked before it leaves. */
  readonly summary?: string;
}

export async function handOff(context: TurnContext, i18n: I18n, locale: Locale, details: HandoffDetails): Promise<void> {
  const t = translator(i18n, locale);
  const handoffContext = {
    reason: details.reason,
    locale,
    ticketId: details.ticketId,
    summary: maskPersonalData(details.summary ?? ''),
  };
  const event = EventFactory.createHandoffInitiation(context, handoffContext);
  await context.sendActivity(
    message({ text: t('handoff.text'), speakText: t('handoff.speak'), locale, meta: { kind: 'handoff', ...(details.ticketId ? { ticketId: details.ticketId } : {}) } }),
  );
  await context.sendActivity(event);
}
