/**
 * The store contract, run against SQLite and (when TEST_DATABASE_URL is set) PostgreSQL, each test on
 * data of its own: migrations, eTags that detect a lost update, tickets exactly once, the outbox
 * delivered once with two workers, the Direct Line transcript shared by two handles, retention.
 */
import { startHelpdesk } from '../helpdesk.js';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../logging/logger.js';
import { MIGRATIONS } from '../../storage/migrations.js';
import { purge, deleteConversation } from '../../storage/retention.js';
import { rideWithTurnState, SqlStorage, StateConflictError, withStateScope, type StateRider } from '../../storage/StateStorage.js';
import { iso } from '../../storage/sql.js';
import { startOutboxWorker } from '../../tickets/outbox.js';
import { TicketStore } from '../../tickets/TicketStore.js';
import type { TicketRequest } from '../../tickets/ticket.js';
import { DirectLineStore } from '../../web/directline/store.js';
import { STORE_KINDS, SKIPPED_NO_POSTGRES, TEST_DATABASE_URL, type StoreLocation } from './stores.js';

const request = (key: string, conversationId = 'c'): TicketRequest => ({
  kind: 'leakReport', priority: 'urgent', locale: 'en-US', conversationId, fields: { leaked: ['password'] }, idempotencyKey: key,
});

describe.skipIf(TEST_DATABASE_URL !== '')('PostgreSQL store', () => {
  it(SKIPPED_NO_POSTGRES, () => { expect(TEST_DATABASE_URL).toBe(''); });
});

describe.each(STORE_KINDS)('the $name store', (kind) => {
  let where: StoreLocation;
  afterEach(async () => { await where?.dispose(); });
  const fresh = (): StoreLocation => { where = kind.location(); return where; };

  it('applies every migration once, also when two handles open it at once', async () => {
    const loc = fresh();
    const [a, b] = [loc.open(), loc.open()];
    await Promise.all([a.ready, b.ready]);
    expect(await a.migrations()).toEqual(MIGRATIONS.map((m) => m.id));
    const again = loc.open();
    await again.ready;
    expect(await again.migrations()).toEqual(MIGRATIONS.map((m) => m.id));
  });

  it('refuses a state write when another instance changed the state since this turn read it', async () => {
    const loc = fresh();
    const one = new SqlStorage(loc.open());
    const two = new SqlStorage(loc.open());
    await one.write({ 'test/conversations/c1/': { step: 'start', eTag: '*' } });
    const result = await withStateScope(async () => {
      const mine = await one.read(['test/conversations/c1/']);
      // Meanwhile another instance runs a turn of the same conversation.
      await withStateScope(async () => {
        await two.read(['test/conversations/c1/']);
        await two.write({ 'test/conversations/c1/': { step: 'other', eTag: '*' } });
      });
      return one.write({ 'test/conversations/c1/': { ...mine['test/conversations/c1/'], step: 'mine', eTag: '*' } }).catch((e: unknown) => e);
    });
    expect(result).toBeInstanceOf(StateConflictError);
    expect((await one.read(['test/conversations/c1/']))['test/conversations/c1/']).toMatchObject({ step: 'other' });
  });

  it('refuses a first write when another instance created the state meanwhile, and accepts sequential turns', async () => {
    const loc = fresh();
    const storage = new SqlStorage(loc.open());
    const other = new SqlStorage(loc.open());
    const conflict = await withStateScope(async () => {
      await storage.read(['k']);
      await withStateScope(() => other.write({ k: { v: 1, eTag: '*' } }));
      return storage.write({ k: { v: 2, eTag: '*' } }).catch((e: unknown) => e);
    });
    expect(conflict).toBeInstanceOf(StateConflictError);
    for (let i = 0; i < 3; i++) {
      await withStateScope(async () => {
        const { k } = await storage.read(['k']);
        await storage.write({ k: { ...k, v: (k as { v: number }).v + 10, eTag: '*' } });
      });
    }
    expect((await other.read(['k'])).k).toMatchObject({ v: 31 });
  });

  it('writes the statements of a rider in the state transaction, and marks them committed only when it commits', async () => {
    const loc = fresh();
    const db = loc.open();
    await db.ready;
    await db.run('CREATE TABLE rider_lines (line TEXT NOT NULL)');
    const storage = new SqlStorage(db);
    const other = new SqlStorage(loc.open());
    const rider = (line: string): StateRider & { done: boolean } => ({
      db, done: false,
      async ride(tx) { await tx.run('INSERT INTO rider_lines (line) VALUES (?)', [line]); },
      committed() { this.done = true; },
    });
    const lines = async () => (await db.all<{ line: string }>('SELECT line FROM rider_lines ORDER BY line')).map((r) => r.line);

    const first = rider('first');
    await withStateScope(async () => {
      expect(rideWithTurnState(first)).toBe(true);
      await storage.read(['r']);
      await storage.write({ r: { v: 1, eTag: '*' } });
    });
    expect(first.done).toBe(true);
    expect(await lines()).toEqual(['first']);

    // The state write loses to another instance: the rider's line rolls back with it and is not marked committed.
    const lost = rider('lost');
    const conflict = await withStateScope(async () => {
      rideWithTurnState(lost);
      await storage.read(['r']);
      await withStateScope(() => other.write({ r: { v: 2, eTag: '*' } }));
      return storage.write({ r: { v: 3, eTag: '*' } }).catch((e: unknown) => e);
    });
    expect(conflict).toBeInstanceOf(StateConflictError);
    expect(lost.done).toBe(false);
    expect(await lines()).toEqual(['first']);
    expect(rideWithTurnState(rider('outside'))).toBe(false);
    await db.close();
  });

  it('opens one ticket for one idempotency key, whatever arrives at once on two instances', async () => {
    const loc = fresh();
    const a = new TicketStore(loc.open(), { withOutbox: true });
    const b = new TicketStore(loc.open(), { withOutbox: true });
    const opened = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).open(request('same-key'))));
    expect(new Set(opened.map((t) => t.id)).size).toBe(1);
    expect(await a.count()).toBe(1);
    const store = loc.open();
    expect((await store.get<{ n: number }>('SELECT COUNT(*) AS n FROM outbox'))?.n).toBe(1);
  });

  it('delivers each ticket once with two outbox workers, retrying a failing helpdesk with backoff', async () => {
    const loc = fresh();
    const helpdesk = await startHelpdesk({ failFirst: 3 });
    const { received, url } = helpdesk;
    const tickets = new TicketStore(loc.open(), { withOutbox: true });
    const ids = await Promise.all(Array.from({ length: 12 }, (_, i) => tickets.open(request(`k${i}`)).then((t) => t.id)));
    const options = { intervalMs: 20, baseBackoffMs: 10, maxBackoffMs: 50, timeoutMs: 2000 };
    const workers = [startOutboxWorker(loc.open(), url, createLogger('silent'), options), startOutboxWorker(loc.open(), url, createLogger('silent'), options)];
    try {
      for (let i = 0; i < 200 && received.length < ids.length; i++) await new Promise((r) => setTimeout(r, 25));
      await new Promise((r) => setTimeout(r, 200));
      expect([...received].sort()).toEqual([...ids].sort());
    } finally {
      await Promise.all(workers.map((w) => w.stop()));
      await helpdesk.close();
    }
  });

  it('numbers a Direct Line transcript without gaps or collisions when two instances append at once', async () => {
    const loc = fresh();
    const one = new DirectLineStore(loc.open());
    const two = new DirectLineStore(loc.open());
    await one.create('dl-1', 'u1', 'en-US');
    expect(await two.exists('dl-1')).toBe(true);
    await Promise.all(Array.from({ length: 30 }, (_, i) => (i % 2 ? one : two).append('dl-1', [{ type: 'message', text: `m${i}` }])));
    const { activities, watermark } = await two.since('dl-1', 0);
    expect(activities).toHaveLength(30);
    expect(watermark).toBe('30');
    expect(new Set(activities.map((a) => a.id)).size).toBe(30);
    expect((await one.since('dl-1', 28)).activities).toHaveLength(2);
  });

  it('hands an accepted message left unanswered to exactly one instance after a crash', async () => {
    const loc = fresh();
    const one = new DirectLineStore(loc.open());
    const two = new DirectLineStore(loc.open());
    await one.create('dl-2', 'u2', 'en-US');
    const [stored] = await one.append('dl-2', [{ type: 'message', text: 'hello', from: { id: 'u2', role: 'user' } as never }], { pending: true });
    const [answeredOne] = await one.append('dl-2', [{ type: 'message', text: 'second', from: { id: 'u2', role: 'user' } as never }], { pending: true });
    await one.answered('dl-2', answeredOne!.id!);
    await new Promise((r) => setTimeout(r, 20));
    const [a, b] = await Promise.all([one.takePending(10), two.takePending(10)]);
    expect([...a, ...b].map((p) => p.activity.id)).toEqual([stored!.id]);
    expect([...a, ...b][0]).toMatchObject({ conversationId: 'dl-2', userId: 'u2' });
  });

  it('purges what is past its window and keeps the rest', async () => {
    const loc = fresh();
    const db = loc.open();
    const old = iso(Date.now() - 40 * 24 * 3600 * 1000);
    const tickets = new TicketStore(db, { withOutbox: true });
    const closed = await tickets.open(request('closed-old'));
    await tickets.setStatus(closed.id, 'closed');
    const open = await tickets.open(request('open-old'));
    await db.run('UPDATE tickets SET updated_at = ?', [iso(Date.now() - 400 * 24 * 3600 * 1000)]);
    const storage = new SqlStorage(db);
    await storage.write({ 'test/conversations/old/': { a: 1, eTag: '*' }, 'test/conversations/new/': { a: 2, eTag: '*' } });
    await db.run('UPDATE bot_state SET updated_at = ? WHERE key = ?', [old, 'test/conversations/old/']);
    const dl = new DirectLineStore(db);
    await dl.create('dl-old', 'u', 'en-US');
    await dl.append('dl-old', [{ type: 'message', text: 'x' }]);
    await db.run('UPDATE dl_conversations SET last_activity_at = ?', [old]);
    await dl.create('dl-new', 'u', 'en-US');

    const counts = await purge(db, { stateDays: 30, transcriptDays: 30, closedTicketDays: 365 });
    expect(counts).toMatchObject({ state: 1, transcripts: 1, transcriptActivities: 1, tickets: 1 });
    expect(Object.keys(await storage.read(['test/conversations/old/', 'test/conversations/new/']))).toEqual(['test/conversations/new/']);
    expect(await tickets.get(closed.id)).toBeUndefined();
    expect(await tickets.get(open.id)).toBeDefined(); // open tickets are never purged
    expect(await dl.exists('dl-old')).toBe(false);
    expect(await dl.exists('dl-new')).toBe(true);
    expect(await purge(db, { stateDays: 0, transcriptDays: 0, closedTicketDays: 0 })).toMatchObject({ state: 0, transcripts: 0, tickets: 0 });

    expect(await deleteConversation(db, 'new')).toBeGreaterThan(0);
    expect(await storage.read(['test/conversations/new/'])).toEqual({});
  });
});

describe('SQLite with two processes on one data folder', () => {
  it('never answers "database is locked": immediate transactions wait for each other', async () => {
    const loc = STORE_KINDS[0]!.location();
    try {
      const handles = [loc.open(), loc.open(), loc.open()];
      const stores = handles.map((h) => new TicketStore(h, { withOutbox: true }));
      const states = handles.map((h) => new SqlStorage(h));
      await Promise.all(Array.from({ length: 90 }, (_, i) => (i % 2
        ? stores[i % 3]!.open(request(`p${i}`))
        : states[i % 3]!.write({ [`k${i % 7}`]: { i, eTag: '*' } }))));
      expect(await stores[0]!.count()).toBe(45);
      // NORMAL between transactions; a ticket's transaction switches to FULL for its commit and back.
      const sync = handles[0] as unknown as { db: { pragma(s: string, o: { simple: boolean }): number } };
      expect(sync.db.pragma('synchronous', { simple: true })).toBe(1);
    } finally {
      await loc.dispose();
    }
  });
});
