/** What customer service works from: a ticket with a reference a caller can read out. */
import type { FlowName } from '../knowledge/decide.js';

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
  open(request: TicketRequest): Ticket;
}
