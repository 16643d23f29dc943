/**
 * The desk's queue: open tickets with their clock. Leak reports by priority
 * (urgent: contact within 24 hours), data requests by their legal due date,
 * minor consent and call-back requests within two days; overdue first, then
 * whatever is due soonest.
 */
import type { Ticket, TicketStatus } from '../tickets/ticket.js';

const HOUR = 3600_000;
export const CONTACT_WITHIN_HOURS: Readonly<Record<string, number>> = Object.freeze({
  urgent: 24, leakReport: 72, minorConsent: 48, callback: 48,
});

export interface QueueItem {
  readonly ticket: Ticket;
  /** When customer service must have acted (ISO). */
  readonly dueAt: string;
  /** What the clock counts to: first contact, or the legal answer date. */
  readonly clock: 'contact' | 'legal';
  readonly overdue: boolean;
  readonly remainingMs: number;
}

export function dueOf(ticket: Ticket): { dueAt: Date; clock: QueueItem['clock'] } {
  if (ticket.kind === 'dataRequest' && ticket.dueDate) {
    // The due date is a calendar day: the end of it (UTC+8 business day) is when it is late.
    return { dueAt: new Date(`${ticket.dueDate}T23:59:59+08:00`), clock: 'legal' };
  }
  const hours = ticket.priority === 'urgent' ? CONTACT_WITHIN_HOURS.urgent! : CONTACT_WITHIN_HOURS[ticket.kind] ?? 72;
  return { dueAt: new Date(Date.parse(ticket.createdAt) + hours * HOUR), clock: 'contact' };
}

export interface QueueFilter {
  readonly kind?: string;
  readonly status?: TicketStatus | 'active';
  /** A reference or part of one. */
  readonly q?: string;
  readonly overdueOnly?: boolean;
}

export function buildQueue(tickets: readonly Ticket[], filter: QueueFilter = {}, now = Date.now()): QueueItem[] {
  const q = filter.q?.trim().toUpperCase();
  const status = filter.status ?? 'active';
  return tickets
    .filter((t) => (status === 'active' ? t.status !== 'closed' : t.status === status))
    .filter((t) => !filter.kind || t.kind === filter.kind)
    .filter((t) => !q || t.id.includes(q))
    .map((ticket): QueueItem => {
      const { dueAt, clock } = dueOf(ticket);
      const remainingMs = dueAt.getTime() - now;
      return { ticket, dueAt: dueAt.toISOString(), clock, remainingMs, overdue: ticket.status !== 'closed' && remainingMs < 0 };
    })
    .filter((i) => !filter.overdueOnly || i.overdue)
    .sort((a, b) => Number(b.overdue) - Number(a.overdue) || a.remainingMs - b.remainingMs);
}
