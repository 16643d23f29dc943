/**
 * Tickets and the helpdesk outbox, on either store (SQLite or PostgreSQL). A
 * ticket and its outbox entry are written in one transaction, so a helpdesk
 * that is down (or a restart) never loses a ticket; the idempotency key is
 * UNIQUE in the database, so a repeated submission, from this instance or any
 * other, returns the ticket that already exists. The transaction is durable:
 * a ticket the user was told about survives a power loss.
 */
import type { SqlStore } from '../storage/sql.js';
import { newReference } from './reference.js';
import type { Ticket, TicketDesk, TicketRequest, TicketStatus } from './ticket.js';

interface TicketRow {
  id: string; kind: string; status: string; priority: string; locale: string; conversation_id: string;
  fields: string; due_date: string | null; idempotency_key: string; created_at: string; updated_at: string;
}

function toTicket(r: TicketRow): Ticket {
  return {
    id: r.id, kind: r.kind as Ticket['kind'], status: r.status as TicketStatus, priority: r.priority as Ticket['priority'],
    locale: r.locale, conversationId: r.conversation_id, fields: JSON.parse(r.fields) as Ticket['fields'],
    ...(r.due_date ? { dueDate: r.due_date } : {}), idempotencyKey: r.idempotency_key, createdAt: r.created_at, updatedAt: r.updated_at,
  };
}

export class TicketStore implements TicketDesk {
  constructor(
    private readonly db: SqlStore,
    private readonly options: { withOutbox: boolean; now?: () => Date } = { withOutbox: false },
  ) {}

  private now(): string {
    return (this.options.now?.() ?? new Date()).toISOString();
  }

  async open(request: TicketRequest): Promise<Ticket> {
    const byKey = 'SELECT * FROM tickets WHERE idempotency_key = ?';
    return this.db.transaction(async (tx): Promise<Ticket> => {
      const existing = await tx.get<TicketRow>(byKey, [request.idempotencyKey]);
      if (existing) return toTicket(existing);
      const now = this.now();
      for (;;) {
        const id = newReference(request.kind);
        // DO NOTHING on either unique column: another instance may have opened this ticket a moment ago.
        const [row] = await tx.all<TicketRow>(
          `INSERT INTO tickets (id, kind, status, priority, locale, conversation_id, fields, due_date, idempotency_key, created_at, updated_at)
           VALUES (?, ?, 'open', ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING *`,
          [id, request.kind, request.priority, request.locale, request.conversationId, JSON.stringify(request.fields),
            request.dueDate ?? null, request.idempotencyKey, now, now]);
        if (!row) {
          const raced = await tx.get<TicketRow>(byKey, [request.idempotencyKey]);
          if (raced) return toTicket(raced);
          continue; // the reference was taken: draw another
        }
        const ticket = toTicket(row);
        if (this.options.withOutbox) {
          await tx.run('INSERT INTO outbox (ticket_id, payload, next_attempt_at) VALUES (?, ?, ?)',
            [ticket.id, JSON.stringify({ event: 'ticket.created', ticket }), now]);
        }
        return ticket;
      }
    }, { durable: true });
  }

  async get(id: string): Promise<Ticket | undefined> {
    const row = await this.db.get<TicketRow>('SELECT * FROM tickets WHERE id = ?', [id.toUpperCase()]);
    return row ? toTicket(row) : undefined;
  }

  async list(filter: { status?: TicketStatus; kind?: string; limit?: number } = {}): Promise<Ticket[]> {
    const where: string[] = [];
    const params: (string | number)[] = [];
    if (filter.status) { where.push('status = ?'); params.push(filter.status); }
    if (filter.kind) { where.push('kind = ?'); params.push(filter.kind); }
    const rows = await this.db.all<TicketRow>(
      `SELECT * FROM tickets ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at DESC, id LIMIT ?`,
      [...params, filter.limit ?? 100]);
    return rows.map(toTicket);
  }

  async setStatus(id: string, status: TicketStatus): Promise<Ticket | undefined> {
    await this.db.run('UPDATE tickets SET status = ?, updated_at = ? WHERE id = ?', [status, this.now(), id.toUpperCase()]);
    return this.get(id);
  }

  async count(): Promise<number> {
    return Number((await this.db.get<{ n: number }>('SELECT COUNT(*) AS n FROM tickets'))?.n ?? 0);
  }
}
