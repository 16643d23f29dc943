/**
 * The embedded store: one SQLite file in the configured data directory,
 * created on first start (folder 0700, file 0600). Conversation state, tickets
 * and the helpdesk outbox share it, so a ticket and its outbox entry commit
 * together.
 *
 * Two processes may share one data folder: every write transaction starts with
 * BEGIN IMMEDIATE (it takes the write lock up front, so SQLite can wait for it
 * with busy_timeout instead of failing with "database is locked"), and a
 * ticket commits with synchronous=FULL, so a confirmed ticket survives a power
 * loss (other writes use NORMAL: the last turns of state may be lost, never
 * the file). Within this process write transactions share one lock per file,
 * and those asked for together commit together (commitGroup.ts); statements
 * are prepared once per connection.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { CommitGroup, FileLock, type GroupStatements } from './commitGroup.js';
import { MIGRATIONS, migrationSql } from './migrations.js';
import { BackgroundWalSync } from './walSync.js';
import { StoreError, iso, type Param, type Queryable, type SqlStore } from './sql.js';

export type Db = Database.Database;

export const DATABASE_FILE = 'assistant.sqlite';
const BUSY_TIMEOUT_MS = 5000;
const WAL_CHECKPOINT_PAGES = 10_000;

/** One lock per database file in this process (see FileLock). */
const locks = new Map<string, FileLock>();

export class SqliteStore implements SqlStore {
  readonly dialect = 'sqlite' as const;
  readonly ready: Promise<void> = Promise.resolve();
  private readonly lock: FileLock;
  /** Statements of transactions, on the connection that writes. */
  private readonly direct: Queryable;
  /**
   * Reads outside a transaction while a group is open, on a connection of their own: they see what is committed,
   * never wait for the group (WAL readers do not wait for the writer), and never see a write that has not
   * committed yet. With no group open they run on the writing connection, whose page cache stays valid across
   * its own commits (a connection that sees the WAL changed by another drops its whole cache).
   */
  private readonly reads: { readonly db: Db; readonly queryable: Queryable };
  private readonly control: GroupStatements & { readonly begin: Database.Statement };
  /** The group taking members now, and the one waiting for the file lock to open. */
  private group: CommitGroup | undefined;
  private opening: Promise<CommitGroup> | undefined;
  /** Resolves when the last transaction begun on this handle has committed or failed (the lock is first come, first served). */
  private last: Promise<unknown> = Promise.resolve();
  private readonly walSync: BackgroundWalSync;

  constructor(readonly db: Db, readonly description: string) {
    this.control = {
      begin: db.prepare('BEGIN IMMEDIATE'), commit: db.prepare('COMMIT'), rollback: db.prepare('ROLLBACK'),
      savepoint: db.prepare('SAVEPOINT member'), release: db.prepare('RELEASE member'), rollbackTo: db.prepare('ROLLBACK TO member'),
    };
    this.walSync = new BackgroundWalSync(`${db.name}-wal`);
    this.lock = locks.get(description) ?? new FileLock();
    locks.set(description, this.lock);
    this.direct = statementsOn(db);
    const reader = new Database(db.name, { fileMustExist: true });
    reader.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    reader.pragma('query_only = ON');
    this.reads = { db: reader, queryable: statementsOn(reader) };
  }

  // Reads run at once; a write outside a transaction is a transaction of one statement. A statement that cannot
  // be prepared (a closed connection, bad SQL) rejects, as it would inside a transaction.
  all<T = Record<string, unknown>>(sql: string, params?: readonly Param[]): Promise<T[]> {
    const reader = this.readerFor(sql);
    return reader ? reader.all<T>(sql, params) : this.transaction((tx) => tx.all<T>(sql, params));
  }

  get<T = Record<string, unknown>>(sql: string, params?: readonly Param[]): Promise<T | undefined> {
    const reader = this.readerFor(sql);
    return reader ? reader.get<T>(sql, params) : this.transaction((tx) => tx.get<T>(sql, params));
  }

  run(sql: string, params?: readonly Param[]): Promise<number> {
    const reader = this.readerFor(sql);
    return reader ? reader.run(sql, params) : this.transaction((tx) => tx.run(sql, params));
  }

  /** Where a statement outside a transaction reads; undefined for a statement that writes. */
  private readerFor(sql: string): Queryable | undefined {
    let readonly: boolean;
    try {
      readonly = prepared(this.db, sql).readonly;
    } catch (error) {
      return failing(error);
    }
    if (!readonly) return undefined;
    return this.db.inTransaction ? this.reads.queryable : this.direct;
  }

  /**
   * A durable transaction (a ticket and its outbox entry) runs alone and is on disk when it returns:
   * synchronous=FULL syncs the WAL at its commit. Every other one joins the open commit group (commitGroup.ts),
   * or opens the next one, and commits with NORMAL (synced at checkpoints).
   */
  transaction<T>(work: (tx: Queryable) => Promise<T>, options: { durable?: boolean } = {}): Promise<T> {
    if (!options.durable) return this.grouped(() => work(this.direct));
    const result = this.alone(work);
    this.last = result.catch(() => undefined);
    return result;
  }

  /** Resolves once every transaction begun on this handle so far has committed or failed. */
  async settled(): Promise<void> {
    await this.last;
  }

  private grouped<T>(work: () => Promise<T>): Promise<T> {
    if (this.group?.accepting) return this.group.add(work);
    // Everything asked for while the file lock is taken (by a closing group, a durable transaction, another
    // handle) goes into the next group together.
    this.opening ??= this.openGroup();
    return this.opening.then((group) => (group.accepting ? group.add(work) : this.grouped(work)));
  }

  private openGroup(): Promise<CommitGroup> {
    const opened = this.lock.acquire().then(() => {
      this.opening = undefined;
      try {
        this.control.begin.run();
      } catch (error) {
        this.lock.release();
        throw error;
      }
      const group = new CommitGroup(this.db, this.control, () => {
        if (this.group === group) this.group = undefined;
        this.walSync.committed();
        this.lock.release();
      });
      this.group = group;
      return group;
    });
    this.last = opened.then((group) => group.done).catch(() => undefined);
    return opened;
  }

  private async alone<T>(work: (tx: Queryable) => Promise<T>): Promise<T> {
    await this.lock.acquire();
    this.db.pragma('synchronous = FULL');
    try {
      this.control.begin.run();
      try {
        const result = await work(this.direct);
        this.control.commit.run();
        return result;
      } catch (error) {
        if (this.db.inTransaction) this.control.rollback.run();
        throw error;
      }
    } finally {
      this.db.pragma('synchronous = NORMAL');
      this.lock.release();
    }
  }

  async migrations(): Promise<string[]> {
    return (await this.all<{ id: string }>('SELECT id FROM migrations ORDER BY id')).map((r) => r.id);
  }

  async ping(): Promise<void> {
    await this.get('SELECT 1 AS ok');
  }

  async close(): Promise<void> {
    await this.settled();
    if (this.reads.db.open) this.reads.db.close();
    if (this.db.open) this.db.close();
  }
}

/** A Queryable whose every statement rejects with `error`. */
function failing(error: unknown): Queryable {
  const reject = (): Promise<never> => Promise.reject(error);
  return { dialect: 'sqlite', all: reject, get: reject, run: reject };
}

/** Statements prepared once per connection, by their SQL. */
const preparedOn = new WeakMap<Db, Map<string, Database.Statement>>();

function prepared(db: Db, sql: string): Database.Statement {
  let statements = preparedOn.get(db);
  if (!statements) preparedOn.set(db, (statements = new Map()));
  let s = statements.get(sql);
  if (!s) statements.set(sql, (s = db.prepare(sql)));
  return s;
}

function statementsOn(db: Db): Queryable {
  const params = (p: readonly Param[] = []): Param[] => p.map((v) => (v === undefined ? null : v));
  return {
    dialect: 'sqlite',
    all: async <T>(sql: string, p?: readonly Param[]) => prepared(db, sql).all(...params(p)) as T[],
    get: async <T>(sql: string, p?: readonly Param[]) => prepared(db, sql).get(...params(p)) as T | undefined,
    run: async (sql: string, p?: readonly Param[]) => prepared(db, sql).run(...params(p)).changes,
  };
}

function migrate(db: Db, file: string): void {
  db.exec('CREATE TABLE IF NOT EXISTS migrations (id TEXT PRIMARY KEY, applied_at TEXT NOT NULL)');
  const applied = db.prepare('SELECT 1 FROM migrations WHERE id = ?');
  for (const m of MIGRATIONS) {
    // Applied already (every open but the first): no write lock. SQLite's wait for one blocks the event loop,
    // and a handle opened next to a busy one in this process (the CLI's, a test's) waited for a transaction that
    // needed that event loop to finish: "database is locked" after the busy timeout.
    if (applied.get(m.id)) continue;
    // BEGIN IMMEDIATE, then check again: another process may have applied it while this one waited.
    db.transaction(() => {
      if (applied.get(m.id)) return;
      try {
        db.exec(migrationSql(m, 'sqlite'));
      } catch (error) {
        throw new StoreError(`Migration ${m.id} failed on the SQLite store ${file}: ${(error as Error).message}`, { cause: error });
      }
      db.prepare('INSERT INTO migrations (id, applied_at) VALUES (?, ?)').run(m.id, iso());
    }).immediate();
  }
}

/** Opens (creating if needed) and migrates the SQLite store in `dataDir`. */
export function openSqliteStore(dataDir: string): SqliteStore {
  const file = path.resolve(dataDir, DATABASE_FILE);
  let db: Db;
  try {
    fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    db = new Database(file);
    fs.chmodSync(file, 0o600); // the -wal and -shm files take the database file's permissions
  } catch (error) {
    throw new StoreError(`Cannot open the SQLite store ${file} (DATA_DIR): ${(error as Error).message}`, { cause: error });
  }
  // WAL lets the tickets CLI read while the server writes.
  db.pragma('journal_mode = WAL');
  // NORMAL for state and transcripts (a power loss may lose the last turns, never corrupt the file);
  // tickets commit in durable transactions, with FULL.
  db.pragma('synchronous = NORMAL');
  // A checkpoint (WAL pages copied into the file, both synced) blocks the event loop for its fsyncs, and each turn
  // adds a dozen pages: at SQLite's default of 1,000 pages that was a checkpoint every ~70 turns. At 10,000
  // (a WAL of up to ~40 MiB) the same hot pages are copied once per ~700 turns; npm run load: ~10-20% more
  // turns per second at 1 and 32 connections, p99 no worse. Commits start a sync of the log in the background
  // (walSync.ts), so the checkpoint's own fsync finds little left to write (~55 ms -> ~10 ms).
  db.pragma(`wal_autocheckpoint = ${WAL_CHECKPOINT_PAGES}`);
  db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  // Deleted rows (purged conversations, cancelled flows) are overwritten, not left in free pages.
  db.pragma('secure_delete = ON');
  migrate(db, file);
  return new SqliteStore(db, file);
}

/** Kept for callers of the original API. */
export const openDatabase = (dataDir: string): SqliteStore => openSqliteStore(dataDir);
