/**
 * The local Direct Line transcript: conversations and their activities in the
 * SQLite store, numbered so the watermark is simply "how many you have seen".
 * What users send is stored masked (phone, e-mail, ID and bank card numbers, in
 * the text, a card's value, channelData and attachments): the transcript is for
 * reading back, and nobody needs the full numbers there.
 */
import type { Activity } from 'botbuilder';
import type { Db, Migration } from '../../storage/database.js';
import { maskActivity } from '../../privacy/activity.js';

export const DIRECT_LINE_MIGRATIONS: readonly Migration[] = [
  {
    id: '020-directline',
    sql: `CREATE TABLE IF NOT EXISTS dl_conversations (
            id TEXT PRIMARY KEY,
            user_id TEXT NOT NULL,
            locale TEXT,
            created_at TEXT NOT NULL
          );
          CREATE TABLE IF NOT EXISTS dl_activities (
            conversation_id TEXT NOT NULL REFERENCES dl_conversations(id),
            seq INTEGER NOT NULL,
            activity TEXT NOT NULL,
            PRIMARY KEY (conversation_id, seq)
          );`,
  },
];

export class DirectLineStore {
  constructor(private readonly db: Db) {}

  exists(id: string): boolean {
    return Boolean(this.db.prepare('SELECT 1 FROM dl_conversations WHERE id = ?').get(id));
  }

  create(id: string, userId: string, locale: string | undefined): void {
    this.db.prepare('INSERT OR IGNORE INTO dl_conversations (id, user_id, locale, created_at) VALUES (?, ?, ?, ?)')
      .run(id, userId, locale ?? null, new Date().toISOString());
  }

  /** Appends activities, giving each its Direct Line id (`<conversation>|<seq>`); returns them as stored. */
  append(conversationId: string, activities: readonly Partial<Activity>[]): Partial<Activity>[] {
    return this.db.transaction(() => {
      const { n } = this.db.prepare('SELECT COUNT(*) AS n FROM dl_activities WHERE conversation_id = ?').get(conversationId) as { n: number };
      const insert = this.db.prepare('INSERT INTO dl_activities (conversation_id, seq, activity) VALUES (?, ?, ?)');
      return activities.map((a, i) => {
        const seq = n + i;
        const stored = { ...(a.from?.role === 'user' ? maskActivity(a) : a), id: `${conversationId}|${String(seq).padStart(7, '0')}`, conversation: { id: conversationId } };
        insert.run(conversationId, seq, JSON.stringify(stored));
        return stored as Partial<Activity>;
      });
    })();
  }

  /** Activities after the watermark, and the new watermark. */
  since(conversationId: string, watermark: number): { activities: Partial<Activity>[]; watermark: string } {
    const rows = this.db.prepare('SELECT seq, activity FROM dl_activities WHERE conversation_id = ? AND seq >= ? ORDER BY seq')
      .all(conversationId, watermark) as { seq: number; activity: string }[];
    const last = rows.at(-1)?.seq;
    return { activities: rows.map((r) => JSON.parse(r.activity) as Partial<Activity>), watermark: String(last === undefined ? watermark : last + 1) };
  }
}
