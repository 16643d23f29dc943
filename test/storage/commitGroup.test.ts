/**
 * SQLite's group commit (storage/commitGroup.ts): transactions asked for together commit together, each
 * rolls back alone, nothing resolves before it has committed, and reads outside a transaction see only
 * what has committed, without waiting for an open group.
 */
import Database from 'better-sqlite3';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DATABASE_FILE, openSqliteStore, type SqliteStore } from '../../storage/database.js';
import { tempDataDir } from '../support.js';

describe('SQLite group commit', () => {
  const opened: SqliteStore[] = [];
  afterEach(async () => { await Promise.all(opened.splice(0).map((s) => s.close())); });
  const open = (dir: string): SqliteStore => { const s = openSqliteStore(dir); opened.push(s); return s; };
  const put = (store: SqliteStore, key: string, value: string): Promise<number> =>
    store.run('INSERT INTO bot_state (key, value, etag, updated_at) VALUES (?, ?, 1, ?)', [key, value, 'now']);
  const keys = async (store: SqliteStore): Promise<string[]> =>
    (await store.all<{ key: string }>('SELECT key FROM bot_state ORDER BY key')).map((r) => r.key);

  /** Inserts a row, then fails: its transaction must roll back alone. */
  const putThenFail = (store: SqliteStore, key: string, value: string): Promise<unknown> =>
    store.transaction(async (tx) => { await tx.run('INSERT INTO bot_state (key, value, etag, updated_at) VALUES (?, ?, 1, ?)', [key, value, 'now']); throw new Error('no'); });
  /**
   * Runs `check` with another process's view of the store in `dir`: its rows, and how many commits other
   * connections made since `check` began (PRAGMA data_version moves once per such commit).
   */
  const fromOutside = async (dir: string, check: (view: { rows(): unknown[]; commits(): number }) => Promise<void>): Promise<void> => {
    const other = new Database(path.join(dir, DATABASE_FILE));
    try {
      const version = (): number => other.pragma('data_version', { simple: true }) as number;
      const before = version();
      await check({ rows: () => other.prepare('SELECT key, value FROM bot_state ORDER BY key').all(), commits: () => version() - before });
    } finally {
      other.close();
    }
  };

  it('commits transactions asked for together in one commit, a failing one rolled back alone', async () => {
    const dir = tempDataDir();
    const store = open(dir);
    await fromOutside(dir, async (outside) => {
      const results = await Promise.allSettled([
        put(store, 'a', '1'),
        putThenFail(store, 'b', '2'),
        put(store, 'c', '3'),
        put(store, 'a', 'again'), // a UNIQUE violation: this statement alone fails
      ]);
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'rejected']);
      expect(outside.rows()).toEqual([{ key: 'a', value: '1' }, { key: 'c', value: '3' }]);
      expect(outside.commits()).toBe(1);
    });
  });

  it('rolls back a failing first member alone and commits the members after it', async () => {
    const dir = tempDataDir();
    const store = open(dir);
    await fromOutside(dir, async (outside) => {
      const results = await Promise.allSettled([putThenFail(store, 'x', '1'), put(store, 'y', '2'), put(store, 'z', '3')]);
      expect(results.map((r) => r.status)).toEqual(['rejected', 'fulfilled', 'fulfilled']);
      expect(outside.rows()).toEqual([{ key: 'y', value: '2' }, { key: 'z', value: '3' }]);
      expect(outside.commits()).toBe(1);
    });
    // Alone in its group, a failing transaction leaves nothing and the store goes on.
    await expect(putThenFail(store, 'w', '4')).rejects.toThrow('no');
    await put(store, 'v', '5');
    expect(await keys(store)).toEqual(['v', 'y', 'z']);
  });

  it('resolves a write only once another connection sees it; reads do not wait for an open group, nor see it', async () => {
    const dir = tempDataDir();
    const store = open(dir);
    const other = new Database(path.join(dir, DATABASE_FILE));
    try {
      const write = put(store, 'k', 'v');
      // The group is open (its commit waits for the event loop): a read sees what had committed, at once.
      expect(await keys(store)).toEqual([]);
      await write;
      expect(other.prepare('SELECT value FROM bot_state WHERE key = ?').get('k')).toEqual({ value: 'v' });
      expect(await keys(store)).toEqual(['k']);
    } finally {
      other.close();
    }
  });

  it('settles once the transactions begun so far have committed', async () => {
    const store = open(tempDataDir());
    void put(store, 'x', '1');
    void store.transaction(async (tx) => tx.run('UPDATE bot_state SET value = ? WHERE key = ?', ['2', 'x']));
    await store.settled();
    expect(await store.get('SELECT value FROM bot_state WHERE key = ?', ['x'])).toEqual({ value: '2' });
  });

  it('runs a durable transaction alone, after the open group, and fails every member when the commit fails', async () => {
    const dir = tempDataDir();
    const store = open(dir);
    const other = new Database(path.join(dir, DATABASE_FILE));
    let seenFromOutside: unknown;
    const grouped = put(store, 'g', '1');
    const durable = store.transaction(async (tx) => {
      seenFromOutside = other.prepare('SELECT value FROM bot_state WHERE key = ?').get('g');
      return tx.run('UPDATE bot_state SET value = ? WHERE key = ?', ['2', 'g']);
    }, { durable: true });
    expect(await durable).toBe(1);
    await grouped;
    other.close();
    // The group had committed before the durable transaction began.
    expect(seenFromOutside).toEqual({ value: '1' });

    // A member that ends the transaction behind the group's back (as SQLite does on a full disk) fails the group.
    const first = put(store, 'h', '1');
    const breaking = store.transaction(async () => { store.db.prepare('ROLLBACK').run(); });
    const after = put(store, 'i', '1');
    const settled = await Promise.allSettled([first, breaking, after]);
    expect(settled.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
    expect(await keys(store)).toEqual(['g']);
    // The next group works.
    await put(store, 'j', '1');
    expect(await keys(store)).toEqual(['g', 'j']);
  });
});

describe('opening a second SQLite handle in the process', () => {
  it('does not wait for the write lock another handle holds across awaits (the store is migrated already)', async () => {
    const dir = tempDataDir();
    const first = openSqliteStore(dir);
    let second: SqliteStore | undefined;
    try {
      let opened = false;
      const started = Date.now();
      await first.transaction(async (tx) => {
        await tx.run("INSERT INTO bot_state (key, value, etag, updated_at) VALUES ('k', '{}', 1, 'now')");
        // The group holds BEGIN IMMEDIATE until this member is done: opening now used to wait out the busy
        // timeout (its migration check took the write lock) and fail with "database is locked".
        second = openSqliteStore(dir);
        opened = true;
      });
      expect(opened).toBe(true);
      expect(Date.now() - started).toBeLessThan(2000);
      expect(await second!.get("SELECT key FROM bot_state WHERE key = 'k'")).toEqual({ key: 'k' });
    } finally {
      await second?.close();
      await first.close();
    }
  });
});
