/** What customer service works from: a ticket with a reference a caller can read out. */
import type { FlowName } from '../knowledge/decide.js';
import { maskPersonalData } from '../privacy/mask.js';

/** A flow's ticket, or a call-back request kept when no agent could take a live handoff. */
export type TicketKind = FlowName | 'callback';
export type TicketStatus = 'open' | 'inProgress' | 'waitingForCustomer' | 'closed';
export const TICKET_STATUSES: readonly TicketStatus[] = ['open', 'inProgress', 'waitingForCustomer', 'closed'];
export type TicketPriority = 'urgent' | 'normal';

export interface TicketRequest {
  readonly kind: TicketKind;
  readonly priority: TicketPriority;
  readonly locale: string;
  readonly conversationId: string;
  /** Only what the flow asked for; validated contact details, never raw transcript text. */
  readonly fields: Readonly<Record<string, string | readonly string[]>>;
  /** ISO date by which customer service must answer (data requests). */
  readonly dueDate?: string;
  /** Same key, same ticket: a retried or double-clicked submission does not create a second one. */
  readonly idempotencyKey: string;
}

export interface Ticket extends TicketRequest {
  readonly id: string;
  readonly status: TicketStatus;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** The one thing dialogs need from the ticket system. */
export interface TicketDesk {
  open(request: TicketRequest): Promise<Ticket>;
}

/** Fields that hold the contact details a ticket needs: kept as the user gave them (the flow validated them). */
export const CONTACT_FIELDS: readonly string[] = ['contact', 'account', 'guardianContact'];

/**
 * A ticket's fields as they may be stored and sent on: every free-text field (`when`, `details`, a name...)
 * masked for phone, e-mail, ID and bank card numbers; contact fields kept.
 */
export function sanitizeTicketFields(fields: TicketRequest['fields']): TicketRequest['fields'] {
  const out: Record<string, string | readonly string[]> = {};
  for (const [key, value] of Object.entries(fields)) {
    out[key] = CONTACT_FIELDS.includes(key) ? value
      : typeof value === 'string' ? maskPersonalData(value) : value.map((v) => maskPersonalData(v));
  }
  return out;
}
