/**
 * Tickets and the helpdesk outbox in the embedded SQLite store. A ticket and
 * its outbox entry are written in one transaction, so a helpdesk that is down
 * (or a restart) never loses a ticket; the idempotency key is UNIQUE, so a
 * repeated submission returns the ticket that already exists.
 */
import type { Db, Migration } from '../storage/database.js';
import { newReference } from './reference.js';
import type { Ticket, TicketDesk, TicketRequest, TicketStatus } from './ticket.js';

export const TICKET_MIGRATIONS: readonly Migration[] = [
  {
    id: '010-tickets',
    sql: `CREATE TABLE IF NOT EXISTS tickets (
            id TEXT PRIMARY KEY,
            kind TEXT NOT NULL,
            status TEXT NOT NULL,
            priority TEXT NOT NULL,
            locale TEXT NOT NULL,
            conversation_id TEXT NOT NULL,
            fields TEXT NOT NULL,
            due_date TEXT,
            idempotency_key TEXT NOT NULL UNIQUE,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
          );
          CREATE TABLE IF NOT EXISTS outbox (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            ticket_id TEXT NOT NULL REFERENCES tickets(id),
            payload TEXT NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt_at TEXT NOT NULL,
            delivered_at TEXT,
            last_error TEXT
          );`,
  },
];

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
    private readonly db: Db,
    private readonly options: { withOutbox: boolean; now?: () => Date } = { withOutbox: false },
  ) {}

  private now(): string {
    return (this.options.now?.() ?? new Date()).toISOString();
  }

  open(request: TicketRequest): Ticket {
    return this.db.transaction((): Ticket => {
      const existing = this.db.prepare('SELECT * FROM tickets WHERE idempotency_key = ?').get(request.idempotencyKey) as TicketRow | undefined;
      if (existing) return toTicket(existing);
      const now = this.now();
      let id = newReference(request.kind);
      while (this.db.prepare('SELECT 1 FROM tickets WHERE id = ?').get(id)) id = newReference(request.kind);
      this.db.prepare(
        `INSERT INTO tickets (id, kind, status, priority, locale, conversation_id, fields, due_date, idempotency_key, created_at, updated_at)
         VALUES (?, ?, 'open', ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(id, request.kind, request.priority, request.locale, request.conversationId, JSON.stringify(request.fields),
        request.dueDate ?? null, request.idempotencyKey, now, now);
      const ticket = this.get(id)!;
      if (this.options.withOutbox) {
        this.db.prepare('INSERT INTO outbox (ticket_id, payload, next_attempt_at) VALUES (?, ?, ?)')
          .run(id, JSON.stringify({ event: 'ticket.created', ticket }), now);
      }
      return ticket;
    })();
  }

  get(id: string): Ticket | undefined {
    const row = this.db.prepare('SELECT * FROM tickets WHERE id = ?').get(id.toUpperCase()) as TicketRow | undefined;
    return row ? toTicket(row) : undefined;
  }

  list(filter: { status?: TicketStatus; kind?: string; limit?: number } = {}): Ticket[] {
    const rows = this.db.prepare(
      `SELECT * FROM tickets WHERE (@status IS NULL OR status = @status) AND (@kind IS NULL OR kind = @kind)
       ORDER BY created_at DESC, id LIMIT @limit`,
    ).all({ status: filter.status ?? null, kind: filter.kind ?? null, limit: filter.limit ?? 100 }) as TicketRow[];
    return rows.map(toTicket);
  }

  setStatus(id: string, status: TicketStatus): Ticket | undefined {
    this.db.prepare('UPDATE tickets SET status = ?, updated_at = ? WHERE id = ?').run(status, this.now(), id.toUpperCase());
    return this.get(id);
  }

  count(): number {
    return (this.db.prepare('SELECT COUNT(*) AS n FROM tickets').get() as { n: number }).n;
  }
}
