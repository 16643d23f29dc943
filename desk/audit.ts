/**
 * Ticket changes from the desk, each with its audit entry in the same
 * transaction. The trail is append-only: there is no update or delete here,
 * and the database refuses them (desk/schema.ts).
 */
import { iso, type SqlStore } from '../storage/sql.js';
import { TICKET_STATUSES, type TicketStatus } from '../tickets/ticket.js';

export interface AuditEntry {
  readonly id: number;
  readonly ticketId: string;
  readonly actor: string;
  readonly action: string;
  readonly fromStatus: string | null;
  readonly toStatus: string | null;
  readonly note: string | null;
  readonly at: string;
}

interface AuditRow { id: number; ticket_id: string; actor: string; action: string; from_status: string | null; to_status: string | null; note: string | null; at: string }

export class TicketAudit {
  constructor(private readonly db: SqlStore, private readonly now: () => number = Date.now) {}

  async trail(ticketId: string): Promise<AuditEntry[]> {
    const rows = await this.db.all<AuditRow>('SELECT * FROM desk_audit WHERE ticket_id = ? ORDER BY id', [ticketId.toUpperCase()]);
    return rows.map((r) => ({ id: Number(r.id), ticketId: r.ticket_id, actor: r.actor, action: r.action, fromStatus: r.from_status,
      toStatus: r.to_status, note: r.note, at: r.at }));
  }

  /** Changes a ticket's status (or only adds a note when the status is the same); false: no such ticket. */
  async changeStatus(ticketId: string, status: TicketStatus, actor: string, note: string): Promise<boolean> {
    if (!TICKET_STATUSES.includes(status)) throw new Error('bad status');
    const id = ticketId.toUpperCase();
    return this.db.transaction(async (tx) => {
      const row = await tx.get<{ status: string; updated_at: string }>('SELECT status, updated_at FROM tickets WHERE id = ?', [id]);
      if (!row) return false;
      // Never the same instant as the last change: the audit row and the update share this time.
      let at = iso(this.now());
      if (at <= row.updated_at) at = iso(Date.parse(row.updated_at) + 1);
      const action = row.status === status ? 'note' : 'status';
      await tx.run('INSERT INTO desk_audit (ticket_id, actor, action, from_status, to_status, note, at) VALUES (?, ?, ?, ?, ?, ?, ?)',
        [id, actor, action, row.status, status, note.trim() || null, at]);
      if (action === 'status') await tx.run('UPDATE tickets SET status = ?, updated_at = ? WHERE id = ?', [status, at, id]);
      return true;
    });
  }
}
