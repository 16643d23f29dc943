/**
 * Retention: what is kept, and for how long. Idle conversation (and user)
 * state, Direct Line transcripts and closed tickets older than their window
 * are deleted, on a schedule while the server runs and with
 * `npm run db -- purge`. A window of 0 days keeps that data. Processed
 * activity ids and their replies (for channel retries) are kept one hour.
 */
import { iso, type SqlStore } from './sql.js';

export interface RetentionWindows {
  readonly stateDays: number;
  readonly transcriptDays: number;
  readonly closedTicketDays: number;
}

export interface PurgeCounts {
  state: number;
  transcripts: number;
  transcriptActivities: number;
  tickets: number;
  processedActivities: number;
}

const DAY = 24 * 60 * 60 * 1000;
/** Channels retry within seconds or minutes; the stored replies are not kept longer than that needs. */
const PROCESSED_ACTIVITY_DAYS = 1 / 24;

export async function purge(db: SqlStore, windows: RetentionWindows, now: Date = new Date()): Promise<PurgeCounts> {
  const cutoff = (days: number): string => iso(now.getTime() - days * DAY);
  const counts: PurgeCounts = { state: 0, transcripts: 0, transcriptActivities: 0, tickets: 0, processedActivities: 0 };

  if (windows.stateDays > 0) {
    counts.state = await db.run('DELETE FROM bot_state WHERE updated_at < ?', [cutoff(windows.stateDays)]);
  }
  const dedupeDays = windows.stateDays > 0 ? Math.min(windows.stateDays, PROCESSED_ACTIVITY_DAYS) : PROCESSED_ACTIVITY_DAYS;
  counts.processedActivities = await db.run('DELETE FROM processed_activities WHERE updated_at < ?', [cutoff(dedupeDays)]);

  if (windows.transcriptDays > 0) {
    const before = cutoff(windows.transcriptDays);
    await db.transaction(async (tx) => {
      const old = 'SELECT id FROM dl_conversations WHERE COALESCE(last_activity_at, created_at) < ?';
      counts.transcriptActivities = await tx.run(`DELETE FROM dl_activities WHERE conversation_id IN (${old})`, [before]);
      counts.transcripts = await tx.run('DELETE FROM dl_conversations WHERE COALESCE(last_activity_at, created_at) < ?', [before]);
    });
  }
  if (windows.closedTicketDays > 0) {
    const before = cutoff(windows.closedTicketDays);
    await db.transaction(async (tx) => {
      await tx.run("DELETE FROM outbox WHERE ticket_id IN (SELECT id FROM tickets WHERE status = 'closed' AND updated_at < ?)", [before]);
      counts.tickets = await tx.run("DELETE FROM tickets WHERE status = 'closed' AND updated_at < ?", [before]);
    });
  }
  return counts;
}
