/**
 * The store contract, run against SQLite and (when TEST_DATABASE_URL is set) PostgreSQL, each test on
 * data of its own: migrations, eTags that detect a lost update, tickets exactly once, the outbox
 * delivered once with two workers, the Direct Line transcript shared by two handles, retention.
 */
import { startHelpdesk } from '../helpdesk.js';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../logging/logger.js';
import { MIGRATIONS } from '../../storage/migrations.js';
import { purge } from '../../storage/retention.js';
import type { TurnContext } from 'botbuilder';
import {
  createTurnScope, rideWithTurnState, SqlStorage, STATE_TIME_PRECISION_MS, StateConflictError, TURN_SCOPE, TurnScopedConversationState, withStateScope, type StateRider,
} from '../../storage/StateStorage.js';
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
    const result = await withStateScope(async (scope) => {
      const mine = await one.read(['test/conversations/c1/'], scope);
      // Meanwhile another instance runs a turn of the same conversation.
      await withStateScope(async (theirs) => {
        await two.read(['test/conversations/c1/'], theirs);
        await two.write({ 'test/conversations/c1/': { step: 'other', eTag: '*' } }, theirs);
      });
      return one.write({ 'test/conversations/c1/': { ...mine['test/conversations/c1/'], step: 'mine', eTag: '*' } }, scope).catch((e: unknown) => e);
    });
    expect(result).toBeInstanceOf(StateConflictError);
    expect((await one.read(['test/conversations/c1/']))['test/conversations/c1/']).toMatchObject({ step: 'other' });
  });

  it('refuses a first write when another instance created the state meanwhile, and accepts sequential turns', async () => {
    const loc = fresh();
    const storage = new SqlStorage(loc.open());
    const other = new SqlStorage(loc.open());
    const conflict = await withStateScope(async (scope) => {
      await storage.read(['k'], scope);
      await withStateScope((theirs) => other.write({ k: { v: 1, eTag: '*' } }, theirs));
      return storage.write({ k: { v: 2, eTag: '*' } }, scope).catch((e: unknown) => e);
    });
    expect(conflict).toBeInstanceOf(StateConflictError);
    for (let i = 0; i < 3; i++) {
      await withStateScope(async (scope) => {
        const { k } = await storage.read(['k'], scope);
        await storage.write({ k: { ...k, v: (k as { v: number }).v + 10, eTag: '*' } }, scope);
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
    await withStateScope(async (scope) => {
      expect(rideWithTurnState(scope, first)).toBe(true);
      await storage.read(['r'], scope);
      await storage.write({ r: { v: 1, eTag: '*' } }, scope);
    });
    expect(first.done).toBe(true);
    expect(await lines()).toEqual(['first']);

    // The state write loses to another instance: the rider's line rolls back with it and is not marked committed.
    const lost = rider('lost');
    const conflict = await withStateScope(async (scope) => {
      rideWithTurnState(scope, lost);
      await storage.read(['r'], scope);
      await withStateScope((theirs) => other.write({ r: { v: 2, eTag: '*' } }, theirs));
      return storage.write({ r: { v: 3, eTag: '*' } }, scope).catch((e: unknown) => e);
    });
    expect(conflict).toBeInstanceOf(StateConflictError);
    expect(lost.done).toBe(false);
    expect(await lines()).toEqual(['first']);
    expect(rideWithTurnState(undefined, rider('outside'))).toBe(false);
    await db.close();
  });

  it('saves turn state only when it changed, checked against what the turn read, through the turn scope in turn state', async () => {
    const loc = fresh();
    const db = loc.open();
    await db.ready;
    const state = new TurnScopedConversationState(new SqlStorage(db));
    const other = new SqlStorage(loc.open());
    const memory = state.createProperty<{ n?: number; note?: string }>('memory');
    const key = 'test/conversations/scoped/';
    const turn = () => {
      const turnState = new Map<unknown, unknown>([[TURN_SCOPE, createTurnScope()]]);
      return { turnState, activity: { channelId: 'test', conversation: { id: 'scoped' } } } as unknown as TurnContext;
    };
    const etag = async () => (await db.get<{ etag: number }>('SELECT etag FROM bot_state WHERE key = ?', [key]))?.etag;

    // Read and left alone: nothing written, not even an empty row.
    const idle = turn();
    expect(await memory.get(idle)).toBeUndefined();
    await state.saveChanges(idle);
    expect(await etag()).toBeUndefined();

    const first = turn();
    (await memory.get(first, {})).n = 1;
    await state.saveChanges(first);
    expect(await etag()).toBe(1);
    // Saved once: a second save of the same turn with nothing changed writes nothing.
    await state.saveChanges(first);
    expect(await etag()).toBe(1);

    // The next turn reads it back; unchanged, it is not written; changed, it is.
    const second = turn();
    expect(await memory.get(second)).toEqual({ n: 1 });
    await state.saveChanges(second);
    expect(await etag()).toBe(1);
    (await memory.get(second))!.note = 'two';
    await state.saveChanges(second);
    expect(await etag()).toBe(2);
    expect(JSON.parse((await db.get<{ value: string }>('SELECT value FROM bot_state WHERE key = ?', [key]))!.value)).toEqual({ memory: { n: 1, note: 'two' } });

    // Another instance writes between this turn's read and its save: the save is refused.
    const third = turn();
    (await memory.get(third))!.n = 3;
    await withStateScope(async (theirs) => {
      const current = await other.read([key], theirs);
      await other.write({ [key]: { ...current[key], eTag: '*' } }, theirs);
    });
    await expect(state.saveChanges(third)).rejects.toBeInstanceOf(StateConflictError);
    expect(await etag()).toBe(3);
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

  it("moves a state row's updated_at only when it lags more than the precision retention needs", async () => {
    const db = fresh().open();
    await db.ready;
    const storage = new SqlStorage(db);
    const key = 'test/conversations/idle/';
    const updatedAt = async () => (await db.get<{ updated_at: string }>('SELECT updated_at FROM bot_state WHERE key = ?', [key]))!.updated_at;
    const turn = (n: number) => withStateScope(async (scope) => {
      await storage.read([key], scope);
      await storage.write({ [key]: { n, eTag: '*' } }, scope);
    });
    await turn(1);
    // Written a minute ago: a turn now leaves the time (and its index entry) alone, and still saves the state.
    const minuteAgo = iso(Date.now() - 60_000);
    await db.run('UPDATE bot_state SET updated_at = ? WHERE key = ?', [minuteAgo, key]);
    await turn(2);
    expect(await updatedAt()).toBe(minuteAgo);
    expect(JSON.parse((await db.get<{ value: string }>('SELECT value FROM bot_state WHERE key = ?', [key]))!.value)).toEqual({ n: 2 });
    // Idle longer than that: the turn moves it, so retention counts the conversation as active.
    await db.run('UPDATE bot_state SET updated_at = ? WHERE key = ?', [iso(Date.now() - STATE_TIME_PRECISION_MS - 60_000), key]);
    const before = iso();
    await turn(3);
    expect(await updatedAt() >= before).toBe(true);
    await db.close();
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
