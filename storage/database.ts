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
 * the file). Within this
 * process transactions run one at a time; statements are prepared once.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { MIGRATIONS, migrationSql } from './migrations.js';
import { StoreError, iso, type Param, type Queryable, type SqlStore } from './sql.js';

export type Db = Database.Database;

export const DATABASE_FILE = 'assistant.sqlite';
const BUSY_TIMEOUT_MS = 5000;

/**
 * One gate per database file in this process: handles on the same file (a restart in tests, the CLI next to
 * the server) take turns for transactions. SQLite's busy wait blocks the event loop, so a second in-process
 * connection waiting for a lock whose transaction needs the event loop to finish would never get it.
 */
interface Gate { queue: Promise<unknown>; inTransaction: boolean }
const gates = new Map<string, Gate>();

export class SqliteStore implements SqlStore {
  readonly dialect = 'sqlite' as const;
  readonly ready: Promise<void> = Promise.resolve();
  private readonly statements = new Map<string, Database.Statement>();
  private readonly gate: Gate;
  private readonly direct: Queryable;
  private readonly control: { readonly begin: Database.Statement; readonly commit: Database.Statement; readonly rollback: Database.Statement };

  constructor(readonly db: Db, readonly description: string) {
    this.control = { begin: db.prepare('BEGIN IMMEDIATE'), commit: db.prepare('COMMIT'), rollback: db.prepare('ROLLBACK') };
    this.gate = gates.get(description) ?? { queue: Promise.resolve(), inTransaction: false };
    gates.set(description, this.gate);
    const stmt = (sql: string): Database.Statement => {
      let s = this.statements.get(sql);
      if (!s) { s = db.prepare(sql); this.statements.set(sql, s); }
      return s;
    };
    const params = (p: readonly Param[] = []): Param[] => p.map((v) => (v === undefined ? null : v));
    this.direct = {
      dialect: 'sqlite',
      all: async <T>(sql: string, p?: readonly Param[]) => stmt(sql).all(...params(p)) as T[],
      get: async <T>(sql: string, p?: readonly Param[]) => stmt(sql).get(...params(p)) as T | undefined,
      run: async (sql: string, p?: readonly Param[]) => stmt(sql).run(...params(p)).changes,
    };
  }

  /** Outside a transaction a statement waits for the running one (same connection) to finish. */
  private async idle(): Promise<void> {
    while (this.gate.inTransaction) await this.gate.queue.catch(() => undefined);
  }

  // No transaction running (the usual case): the statement runs at once, without awaiting anything first.
  all<T = Record<string, unknown>>(sql: string, params?: readonly Param[]): Promise<T[]> {
    if (this.gate.inTransaction) return this.idle().then(() => this.direct.all<T>(sql, params));
    return this.direct.all<T>(sql, params);
  }

  get<T = Record<string, unknown>>(sql: string, params?: readonly Param[]): Promise<T | undefined> {
    if (this.gate.inTransaction) return this.idle().then(() => this.direct.get<T>(sql, params));
    return this.direct.get<T>(sql, params);
  }

  run(sql: string, params?: readonly Param[]): Promise<number> {
    if (this.gate.inTransaction) return this.idle().then(() => this.direct.run(sql, params));
    return this.direct.run(sql, params);
  }

  transaction<T>(work: (tx: Queryable) => Promise<T>, options: { durable?: boolean } = {}): Promise<T> {
    const attempt = async (): Promise<T> => {
      await this.idle();
      this.gate.inTransaction = true;
      // A durable transaction (a ticket and its outbox entry) is on disk when it returns: synchronous=FULL
      // syncs the WAL at its commit. Everything else commits with NORMAL (synced at checkpoints).
      if (options.durable) this.db.pragma('synchronous = FULL');
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
        if (options.durable) this.db.pragma('synchronous = NORMAL');
        this.gate.inTransaction = false;
      }
    };
    const result = this.gate.queue.then(attempt, attempt);
    this.gate.queue = result.catch(() => undefined);
    return result;
  }

  async migrations(): Promise<string[]> {
    return (await this.all<{ id: string }>('SELECT id FROM migrations ORDER BY id')).map((r) => r.id);
  }

  async ping(): Promise<void> {
    await this.get('SELECT 1 AS ok');
  }

  async close(): Promise<void> {
    await this.idle();
    if (this.db.open) this.db.close();
  }
}

function migrate(db: Db, file: string): void {
  db.exec('CREATE TABLE IF NOT EXISTS migrations (id TEXT PRIMARY KEY, applied_at TEXT NOT NULL)');
  for (const m of MIGRATIONS) {
    // BEGIN IMMEDIATE, then check again: another process may have applied it while this one waited.
    db.transaction(() => {
      if (db.prepare('SELECT 1 FROM migrations WHERE id = ?').get(m.id)) return;
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
  db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  // Deleted rows (purged conversations, cancelled flows) are overwritten, not left in free pages.
  db.pragma('secure_delete = ON');
  migrate(db, file);
  return new SqliteStore(db, file);
}

/** Kept for callers of the original API. */
export const openDatabase = (dataDir: string): SqliteStore => openSqliteStore(dataDir);
