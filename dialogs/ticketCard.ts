/**
 * The ticket confirmation as an Adaptive Card for chat surfaces (Web Chat, the
 * in-app widget): the reference, what happens next, and the due date. Voice
 * channels get the same facts in speech instead.
 */
import { CardFactory, type Attachment } from 'botbuilder';
import { translator, type I18n } from '../i18n/i18n.js';
import type { Locale } from '../i18n/locale.js';

export interface TicketCardFacts {
  readonly reference: string;
  readonly next: string;
  readonly dueDate?: string;
}

export function ticketCard(i18n: I18n, locale: Locale, facts: TicketCardFacts): Attachment {
  const t = translator(i18n, locale, 'flows');
  return CardFactory.adaptiveCard({
    type: 'AdaptiveCard',
    version: '1.3',
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    lang: locale,
    body: [
      { type: 'TextBlock', text: t('ticketCard.title'), weight: 'Bolder', size: 'Medium' },
      {
        type: 'FactSet',
        facts: [
          { title: t('ticketCard.reference'), value: facts.reference },
          ...(facts.dueDate ? [{ title: t('ticketCard.due'), value: facts.dueDate }] : []),
        ],
      },
      { type: 'TextBlock', text: t('ticketCard.next'), weight: 'Bolder', spacing: 'Medium' },
      { type: 'TextBlock', text: facts.next, wrap: true },
    ],
  });
}
