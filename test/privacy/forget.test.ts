/**
 * "Delete this conversation" at the store: exactly that conversation's state goes (by its key, through the
 * primary key: a pattern over every state row blocked the event loop on SQLite), its Direct Line transcript
 * and stored retry replies with it; the user's other conversations, other channels and the user's own
 * settings stay.
 */
import { describe, expect, it } from 'vitest';
import { forgetConversation } from '../../privacy/forget.js';
import { openSqliteStore } from '../../storage/database.js';
import { tempDataDir } from '../support.js';

describe('forgetting a conversation in the store', () => {
  it('deletes its state row by key and leaves every other row', async () => {
    const db = openSqliteStore(tempDataDir());
    try {
      const keys = ['web/conversations/c1/', 'web/conversations/c10/', 'web/conversations/xc1/', 'teams/conversations/c1/', 'web/users/u1/'];
      for (const key of keys) await db.run('INSERT INTO bot_state (key, value, etag, updated_at) VALUES (?, ?, 1, ?)', [key, '{}', new Date().toISOString()]);
      await db.run("INSERT INTO processed_activities (channel_id, conversation_id, activity_id, status, replies, claimed_at, updated_at) VALUES ('web', 'c1', 'a1', 'done', '[]', 'x', 'x'), ('web', 'c1', 'now', 'claimed', NULL, 'x', 'x')");

      const counts = await forgetConversation(db, { conversationId: 'c1', stateKey: 'web/conversations/c1/' }, 'now');

      expect(counts).toMatchObject({ state: 1, retries: 1 });
      expect((await db.all<{ key: string }>('SELECT key FROM bot_state ORDER BY key')).map((r) => r.key))
        .toEqual(['teams/conversations/c1/', 'web/conversations/c10/', 'web/conversations/xc1/', 'web/users/u1/']);
      // The turn now running keeps its claim.
      expect(await db.all('SELECT activity_id FROM processed_activities')).toEqual([{ activity_id: 'now' }]);
      // One row looked up by its key, whatever the number of conversations kept.
      const plan = await db.all<{ detail: string }>("EXPLAIN QUERY PLAN DELETE FROM bot_state WHERE key = 'web/conversations/c1/'");
      expect(plan.map((r) => r.detail).join(' ')).toMatch(/USING (PRIMARY KEY|INDEX sqlite_autoindex_bot_state_1)/);
    } finally {
      await db.close();
    }
  });
});
