/**
 * The local Direct Line transcript: conversations and their activities in the
 * shared store (SQLite or PostgreSQL), numbered so the watermark is simply "how
 * many you have seen". With PostgreSQL every instance reads and writes the same
 * transcript, so a message posted to one instance is answered to a client
 * polling another. Numbers come from a per-conversation counter (a row lock),
 * never from COUNT(*), so two instances appending at once cannot collide.
 * What users send is stored masked (phone, e-mail, ID and bank card numbers, in
 * the text, a card's value, channelData and attachments): the transcript is for
 * reading back, and nobody needs the full numbers there.
 */
import type { Activity } from 'botbuilder';
import { iso, type SqlStore } from '../../storage/sql.js';
import { maskActivity } from '../../privacy/activity.js';

/** An accepted user message not answered yet (the instance running its turn may have died). */
export interface PendingTurn {
  readonly conversationId: string;
  readonly userId: string;
  readonly activity: Partial<Activity>;
}

const seqOf = (activityId: string): number => Number.parseInt(activityId.split('|').at(-1) ?? '', 10);

export class DirectLineStore {
  constructor(private readonly db: SqlStore) {}

  async exists(id: string): Promise<boolean> {
    return Boolean(await this.db.get('SELECT 1 AS found FROM dl_conversations WHERE id = ?', [id]));
  }

  async create(id: string, userId: string, locale: string | undefined): Promise<void> {
    const now = iso();
    await this.db.run('INSERT INTO dl_conversations (id, user_id, locale, created_at, last_activity_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING',
      [id, userId, locale ?? null, now, now]);
  }

  /**
   * Appends activities, giving each its Direct Line id (`<conversation>|<seq>`); returns them as stored.
   * `pending`: these are user messages whose turn has not run yet (see `answered` and `takePending`).
   */
  async append(conversationId: string, activities: readonly Partial<Activity>[], options: { pending?: boolean } = {}): Promise<Partial<Activity>[]> {
    if (activities.length === 0) return [];
    const now = iso();
    return this.db.transaction(async (tx) => {
      const [counter] = await tx.all<{ next_seq: number }>(
        'UPDATE dl_conversations SET next_seq = next_seq + ?, last_activity_at = ? WHERE id = ? RETURNING next_seq',
        [activities.length, now, conversationId]);
      if (!counter) throw new Error('Direct Line: no such conversation');
      const first = Number(counter.next_seq) - activities.length;
      const stored: Partial<Activity>[] = [];
      for (const [i, a] of activities.entries()) {
        const seq = first + i;
        const s = { ...(a.from?.role === 'user' ? maskActivity(a) : a), id: `${conversationId}|${String(seq).padStart(7, '0')}`, conversation: { id: conversationId } };
        await tx.run('INSERT INTO dl_activities (conversation_id, seq, activity, pending_since) VALUES (?, ?, ?, ?)',
          [conversationId, seq, JSON.stringify(s), options.pending ? now : null]);
        stored.push(s as Partial<Activity>);
      }
      return stored;
    });
  }

  /** Activities after the watermark, and the new watermark. */
  async since(conversationId: string, watermark: number): Promise<{ activities: Partial<Activity>[]; watermark: string }> {
    const rows = await this.db.all<{ seq: number; activity: string }>(
      'SELECT seq, activity FROM dl_activities WHERE conversation_id = ? AND seq >= ? ORDER BY seq', [conversationId, watermark]);
    const last = rows.at(-1)?.seq;
    return { activities: rows.map((r) => JSON.parse(r.activity) as Partial<Activity>), watermark: String(last === undefined ? watermark : Number(last) + 1) };
  }

  /** The turn of a pending message has run (its replies are in the transcript). */
  async answered(conversationId: string, activityId: string): Promise<void> {
    const seq = seqOf(activityId);
    if (!Number.isFinite(seq)) return;
    await this.db.run('UPDATE dl_activities SET pending_since = NULL WHERE conversation_id = ? AND seq = ?', [conversationId, seq]);
  }

  /**
   * Claims accepted messages left unanswered for `olderThanMs` (their instance crashed or restarted):
   * each is claimed by one instance only (its mark moves to now), oldest first.
   */
  async takePending(olderThanMs: number, limit = 50): Promise<PendingTurn[]> {
    const now = iso();
    const rows = await this.db.all<{ conversation_id: string; seq: number; activity: string; pending_since: string; user_id: string }>(
      `SELECT a.conversation_id, a.seq, a.activity, a.pending_since, c.user_id FROM dl_activities a
       JOIN dl_conversations c ON c.id = a.conversation_id
       WHERE a.pending_since IS NOT NULL AND a.pending_since < ? ORDER BY a.pending_since LIMIT ?`,
      [iso(Date.now() - olderThanMs), limit]);
    const taken: PendingTurn[] = [];
    for (const r of rows) {
      const won = await this.db.run('UPDATE dl_activities SET pending_since = ? WHERE conversation_id = ? AND seq = ? AND pending_since = ?',
        [now, r.conversation_id, r.seq, r.pending_since]);
      if (won === 1) taken.push({ conversationId: r.conversation_id, userId: r.user_id, activity: JSON.parse(r.activity) as Partial<Activity> });
    }
    return taken;
  }
}
