/**
 * An instance restarting next to one that is serving: the desk's schema is created once per database and
 * version, so a restart runs no DDL. (Re-creating its triggers took exclusive locks on tickets, bot_state and
 * dl_activities, and the restarting instance deadlocked with the other's turns and died: seen in the
 * two-instance kill -9 chaos test.)
 */
import { afterAll, describe, expect, it } from 'vitest';
import { purgeDesk } from '../../desk/retention.js';
import { ensureDeskSchema } from '../../desk/schema.js';
import { firstIdAt, timeOrderedId } from '../../storage/ids.js';
import { openSqliteStore } from '../../storage/database.js';
import type { SqlStore } from '../../storage/sql.js';
import { tempDataDir } from '../support.js';
import { postgresKind, SKIPPED_NO_POSTGRES, TEST_DATABASE_URL, type StoreLocation } from '../storage/stores.js';

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

  });

  it('upgrades a version 1 database with only what changed: indexes and event keys, the triggers stay the same objects', async () => {
    const old = postgresKind.location();
    try {
      const db = old.open();
      await ensureDeskSchema(db, 1);
      const triggers = async (): Promise<string[]> => (await db.all<{ oid: string }>(
        "SELECT t.oid::text AS oid FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid WHERE NOT t.tgisinternal AND c.relnamespace = current_schema()::regnamespace ORDER BY 1",
      )).map((r) => r.oid);
      const before = await triggers();
      await seedVersion3Rows(db);
      await ensureDeskSchema(old.open());
      expect(await triggers()).toEqual(before);
      expect(await db.all("SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() AND indexname LIKE 'desk_%' AND indexname NOT LIKE '%pkey' ORDER BY 1"))
        .toEqual(['desk_audit_ticket', 'desk_events_conversation', 'desk_handoffs_conversation_recent', 'desk_handoffs_open', 'desk_transcript_conversation'].map((indexname) => ({ indexname })));
      await expectVersion4Rows(db);
    } finally {
      await old.dispose();
    }
  });
});

/** Rows as an older version kept them: one answer event with a random (not time-ordered) id, transcript lines. */
async function seedVersion3Rows(db: SqlStore): Promise<void> {
  await db.run("INSERT INTO bot_state (key, value, etag, updated_at) VALUES ('web/conversations/c/', '{}', 1, 'now'), ('web/conversations/d/', '{}', 1, 'now')");
  for (const [conversation, text] of [['c', 'hello'], ['c', 'hi, how can I help?'], ['d', 'other']] as const) {
    await db.run("INSERT INTO desk_transcript (channel_id, conversation_id, role, name, text, at) VALUES ('web', ?, 'user', NULL, ?, '2026-11-30T10:00:00.000Z')", [conversation, text]);
  }
  await db.run(`INSERT INTO desk_events (id, channel_id, conversation_id, locale, kind, passage_id, question, feedback, created_at)
    VALUES ('5f0c3a52-9b1e-4c7d-8e2f-0a1b2c3d4e5f', 'web', 'c', 'en-US', 'fallback', NULL, 'legacy', NULL, '2026-11-30T10:00:00.000Z'),
           (?, 'web', 'd', 'en-US', 'answer', '1.2', 'recent', 'helpful', '2026-11-30T11:00:00.000Z')`, [timeOrderedId(Date.parse('2026-11-30T11:00:00.000Z'))]);
}

/** After the upgrade: nothing lost, the old event findable by time, and "delete this conversation" still takes the desk's copies. */
async function expectVersion4Rows(db: SqlStore): Promise<void> {
  expect((await db.all<{ id: number; text: string }>('SELECT id, text FROM desk_transcript ORDER BY id')).map((r) => [Number(r.id), r.text]))
    .toEqual([[1, 'hello'], [2, 'hi, how can I help?'], [3, 'other']]);
  const events = await db.all<{ id: string; question: string; feedback: string | null }>('SELECT id, question, feedback FROM desk_events ORDER BY id');
  expect(events.map((e) => [e.question, e.feedback])).toEqual([['legacy', null], ['recent', 'helpful']]);
  expect(events[0]!.id >= firstIdAt(Date.parse('2026-11-30T10:00:00.000Z'))).toBe(true);
  expect(events[0]!.id < firstIdAt(Date.parse('2026-11-30T10:00:00.001Z'))).toBe(true);
  await db.run("DELETE FROM bot_state WHERE key = 'web/conversations/c/'");
  expect(await db.all("SELECT conversation_id FROM desk_transcript WHERE conversation_id = 'c' UNION ALL SELECT conversation_id FROM desk_events WHERE conversation_id = 'c'")).toEqual([]);
  expect(await db.all("SELECT text FROM desk_transcript WHERE conversation_id = 'd'")).toEqual([{ text: 'other' }]);
}

describe('desk schema upgrades', () => {
  it("forgets a conversation's events through an index, also on a database made before the index existed", async () => {
    const db = openSqliteStore(tempDataDir());
    try {
      // A database made at version 1: no index on the events' conversation, handoffs indexed by status.
      await ensureDeskSchema(db, 1);
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

  it('keeps the transcript and answer events of a version 3 database through the rebuild of their tables', async () => {
    const db = openSqliteStore(tempDataDir());
    try {
      await ensureDeskSchema(db, 3);
      await seedVersion3Rows(db);
      await ensureDeskSchema(db);
      await expectVersion4Rows(db);
      // A turn's lines and event no longer write sqlite_sequence or an index on created_at.
      expect(await db.all("SELECT name FROM sqlite_sequence WHERE name LIKE 'desk_%'")).toEqual([]);
      expect(await db.all("SELECT name FROM sqlite_schema WHERE name = 'desk_events_created'")).toEqual([]);
    } finally {
      await db.close();
    }
  });
});

describe('desk retention', () => {
  it('deletes transcript lines and answer events older than the window, reading only what it deletes', async () => {
    const db = openSqliteStore(tempDataDir());
    try {
      await ensureDeskSchema(db);
      const now = Date.parse('2026-12-01T12:00:00.000Z');
      const day = 86_400_000;
      for (const [ageDays, text] of [[40, 'old 1'], [31, 'old 2'], [29, 'kept 1'], [1, 'kept 2']] as const) {
        await db.run("INSERT INTO desk_transcript (channel_id, conversation_id, role, name, text, at) VALUES ('web', 'c', 'user', NULL, ?, ?)", [text, new Date(now - ageDays * day).toISOString()]);
        await db.run(`INSERT INTO desk_events (id, channel_id, conversation_id, locale, kind, passage_id, question, feedback, created_at)
          VALUES (?, 'web', 'c', 'en-US', 'fallback', NULL, ?, NULL, ?)`, [timeOrderedId(now - ageDays * day), text, new Date(now - ageDays * day).toISOString()]);
      }
      await purgeDesk(db, 30, now);
      expect((await db.all<{ text: string }>('SELECT text FROM desk_transcript ORDER BY id')).map((r) => r.text)).toEqual(['kept 1', 'kept 2']);
      expect((await db.all<{ question: string }>('SELECT question FROM desk_events ORDER BY id')).map((r) => r.question)).toEqual(['kept 1', 'kept 2']);
      const plan = await db.all<{ detail: string }>('EXPLAIN QUERY PLAN DELETE FROM desk_events WHERE id < ?', [firstIdAt(now)]);
      expect(plan.map((r) => r.detail).join(' ')).toMatch(/SEARCH desk_events USING PRIMARY KEY/);
      await purgeDesk(db, 0, now + 100 * day); // 0: kept forever
      expect(await db.all('SELECT text FROM desk_transcript')).toHaveLength(2);
    } finally {
      await db.close();
    }
  });
});
