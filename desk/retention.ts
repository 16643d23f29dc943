/**
 * The desk's retention: its transcript copies and answer events follow the transcript retention
 * (TRANSCRIPT_RETENTION_DAYS), closed handoffs too; expired agent sessions go. Each delete reads only what it
 * deletes, so a purge of a large desk does not stall the server.
 */
import { firstIdAt } from '../storage/ids.js';
import type { SqlStore } from '../storage/sql.js';

export async function purgeDesk(db: SqlStore, transcriptDays: number, now: number = Date.now()): Promise<void> {
  await db.run('DELETE FROM desk_sessions WHERE expires_at < ?', [new Date(now).toISOString()]);
  if (transcriptDays <= 0) return;
  const beforeMs = now - transcriptDays * 86_400_000;
  const before = new Date(beforeMs).toISOString();
  // Transcript ids grow with time: everything before the first line recent enough goes (a WHERE on `at` alone
  // read the whole table). Only when every line is old is the whole table read, and all of it deleted.
  const firstKept = await db.get<{ id: number }>('SELECT id FROM desk_transcript WHERE at >= ? ORDER BY id LIMIT 1', [before]);
  if (firstKept) await db.run('DELETE FROM desk_transcript WHERE id < ?', [firstKept.id]);
  else await db.run('DELETE FROM desk_transcript WHERE at < ?', [before]);
  // Answer events by their time-ordered key (storage/ids.ts).
  await db.run('DELETE FROM desk_events WHERE id < ?', [firstIdAt(beforeMs)]);
  await db.run(`DELETE FROM desk_handoffs WHERE status NOT IN ('waiting', 'active') AND created_at < ?`, [before]);
}
