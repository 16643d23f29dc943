/**
 * An instance restarting next to one that is serving: the desk's schema is created once per database and
 * version, so a restart runs no DDL. (Re-creating its triggers took exclusive locks on tickets, bot_state and
 * dl_activities, and the restarting instance deadlocked with the other's turns and died: seen in the
 * two-instance kill -9 chaos test.)
 */
import { afterAll, describe, expect, it } from 'vitest';
import { ensureDeskSchema } from '../../desk/schema.js';
import { openSqliteStore } from '../../storage/database.js';
import type { SqlStore } from '../../storage/sql.js';
import { tempDataDir } from '../support.js';
import { postgresKind, SKIPPED_NO_POSTGRES, TEST_DATABASE_URL, type StoreLocation } from '../storage/stores.js';

/** Puts a database the desk schema made back to what version 1 made (its indexes and recorded version). */
async function backToVersion1(db: SqlStore): Promise<void> {
  await db.run('DROP INDEX desk_events_conversation');
  await db.run('DROP INDEX desk_handoffs_conversation_recent');
  await db.run('CREATE INDEX desk_handoffs_conversation ON desk_handoffs (channel_id, conversation_id, status)');
  await db.run('DELETE FROM desk_schema_version');
  await db.run('INSERT INTO desk_schema_version (version) VALUES (1)');
}

describe.skipIf(TEST_DATABASE_URL !== '')('desk schema on PostgreSQL', () => {
  it(SKIPPED_NO_POSTGRES, () => { expect(TEST_DATABASE_URL).toBe(''); });
});

describe.skipIf(TEST_DATABASE_URL === '')('desk schema on PostgreSQL', () => {
  let location: StoreLocation | undefined;
  afterAll(async () => { await location?.dispose(); });

  it('is created by the first start only: a restart while the other instance writes tickets changes nothing and waits for nothing', async () => {
    location = postgresKind.location();
    const first = location.open();
    await ensureDeskSchema(first);
    const triggers = async (): Promise<string[]> => (await first.all<{ oid: string }>(
      "SELECT t.oid::text AS oid FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid WHERE NOT t.tgisinternal AND c.relnamespace = current_schema()::regnamespace ORDER BY 1",
    )).map((r) => r.oid);
    const before = await triggers();
    expect(before.length).toBeGreaterThanOrEqual(4);

    // The serving instance holds a write on tickets' neighbour bot_state in an open transaction while the
    // other restarts: with DDL on a restart, the restart would wait for it (and could deadlock).
    const restarted = location.open();
    let restartDone = false;
    await first.transaction(async (tx) => {
      await tx.run("INSERT INTO bot_state (key, value, etag, updated_at) VALUES ('k', '{}', 1, 'now')");
      const restart = ensureDeskSchema(restarted).then(() => { restartDone = true; });
      await new Promise((r) => setTimeout(r, 500));
      expect(restartDone).toBe(true);
      await restart;
    });
    expect(await triggers()).toEqual(before);

    // An upgrade from version 1 runs only what changed: the index is made, the triggers stay the same objects.
    await backToVersion1(first);
    await ensureDeskSchema(restarted);
    expect(await triggers()).toEqual(before);
    expect(await first.all("SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() AND indexname IN ('desk_events_conversation', 'desk_handoffs_conversation', 'desk_handoffs_conversation_recent') ORDER BY 1"))
      .toEqual([{ indexname: 'desk_events_conversation' }, { indexname: 'desk_handoffs_conversation_recent' }]);
  });
});

describe('desk schema upgrades', () => {
  it("forgets a conversation's events through an index, also on a database made before the index existed", async () => {
    const db = openSqliteStore(tempDataDir());
    try {
      await ensureDeskSchema(db);
      // A database made at version 1: no index on the events' conversation, handoffs indexed by status.
      await backToVersion1(db);
      await ensureDeskSchema(db);
      // What the forget triggers run for each deleted conversation (retention deletes thousands at once).
      const plan = await db.all<{ detail: string }>("EXPLAIN QUERY PLAN DELETE FROM desk_events WHERE conversation_id = 'c'");
      expect(plan.map((r) => r.detail).join(' ')).toContain('USING INDEX desk_events_conversation');
      // What every turn asks (desk/live.ts openFor): its conversation's newest open handoff, read in index order.
      const open = await db.all<{ detail: string }>("EXPLAIN QUERY PLAN SELECT * FROM desk_handoffs WHERE channel_id = 'w' AND conversation_id = 'c' AND status IN ('waiting', 'active') ORDER BY created_at DESC LIMIT 1");
      expect(open.map((r) => r.detail).join(' ')).toContain('USING INDEX desk_handoffs_conversation_recent');
      expect(open.map((r) => r.detail).join(' ')).not.toContain('TEMP B-TREE');
    } finally {
      await db.close();
    }
  });
});
