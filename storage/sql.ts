/**
 * The one store interface the assistant runs on: a small SQL executor with
 * transactions. Two implementations: SQLite (embedded default, one file in the
 * data folder) and PostgreSQL (`DATABASE_URL`, shared by several instances).
 * Repositories (state, tickets, outbox, Direct Line, processed activities) write
 * their SQL once with `?` placeholders; the PostgreSQL side numbers them.
 */
export type Dialect = 'sqlite' | 'postgres';
export type Param = string | number | null;

export interface Queryable {
  readonly dialect: Dialect;
  /** Rows of a query (or of a statement with RETURNING). */
  all<T = Record<string, unknown>>(sql: string, params?: readonly Param[]): Promise<T[]>;
  get<T = Record<string, unknown>>(sql: string, params?: readonly Param[]): Promise<T | undefined>;
  /** Runs a statement; resolves with the number of rows it changed. */
  run(sql: string, params?: readonly Param[]): Promise<number>;
}

export interface SqlStore extends Queryable {
  /** Where the data lives, without credentials: a file path or postgres://user@host:port/db. */
  readonly description: string;
  /** Resolves once the store is reachable and migrated; rejects with a clear message otherwise. */
  readonly ready: Promise<void>;
  /**
   * One transaction (SQLite: BEGIN IMMEDIATE; PostgreSQL: a pooled client). Rolled back if `work` throws.
   * `durable`: on disk when it resolves, power loss included (SQLite: synchronous=FULL for this commit).
   */
  transaction<T>(work: (tx: Queryable) => Promise<T>, options?: { durable?: boolean }): Promise<T>;
  /**
   * Resolves once every transaction begun so far has committed or failed. SQLite groups commits
   * (commitGroup.ts), and its reads see only what has committed: a read that must see writes another
   * request made a moment ago waits for this first. PostgreSQL: nothing to wait for.
   */
  settled?(): Promise<void>;
  /** Migration ids applied, in order. */
  migrations(): Promise<string[]>;
  /** A cheap round trip, for /healthz. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export class StoreError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreError';
  }
}

/**
 * An ISO timestamp. A turn asks for the current time several times (claim, state write, done, desk lines and
 * event) within the same millisecond more often than not: that millisecond's string is kept and reused.
 */
let lastMs = NaN;
let lastIso = '';
export const iso = (date: Date | number = Date.now()): string => {
  const ms = typeof date === 'number' ? date : date.getTime();
  if (ms !== lastMs) {
    lastIso = new Date(ms).toISOString();
    lastMs = ms;
  }
  return lastIso;
};
