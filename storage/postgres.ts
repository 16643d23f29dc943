/**
 * The shared store: PostgreSQL through a `pg` pool, for several instances of
 * the assistant behind a load balancer. Pool size, statement timeout and TLS
 * come from configuration. Migrations run once at start under an advisory lock
 * (two instances starting together apply each migration once).
 */
import type pg from 'pg';
import { MIGRATIONS, migrationSql } from './migrations.js';
import { StoreError, iso, type Param, type Queryable, type SqlStore } from './sql.js';

export type SslMode = '' | 'disable' | 'require' | 'verify-full';

export interface PostgresOptions {
  readonly url: string;
  readonly poolSize: number;
  readonly statementTimeoutMs: number;
  /** Empty: as the URL says (its own `sslmode`, else no TLS). */
  readonly sslmode: SslMode;
  /** A schema of its own (tests); created if missing. Empty: the server's default (public). */
  readonly schema?: string;
  readonly connectTimeoutMs?: number;
}

const MIGRATION_LOCK = 7270012; // any constant: one migrator at a time per database
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** `?` placeholders become `$1, $2, ...` (the project's SQL has no literal question marks). */
export function numberPlaceholders(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

/** postgres://user@host:port/db, never the password. */
export function describeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.username ? `${decodeURIComponent(u.username)}@` : ''}${u.host}${u.pathname}`;
  } catch {
    return 'postgres://(unparsable DATABASE_URL)';
  }
}

function poolConfig(options: PostgresOptions, driver: typeof pg): pg.PoolConfig {
  // BIGINT (COUNT(*), etag, ids) as numbers: the project's values stay far below 2^53.
  const types = {
    getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
      oid === 20 ? (v: string) => Number(v) : driver.types.getTypeParser(oid, format ?? 'text')) as typeof pg.types.getTypeParser,
  };
  const url = new URL(options.url);
  let ssl: pg.PoolConfig['ssl'];
  if (options.sslmode) {
    url.searchParams.delete('sslmode'); // configuration wins over the URL
    ssl = options.sslmode === 'disable' ? false : { rejectUnauthorized: options.sslmode === 'verify-full' };
  }
  if (options.schema && !SCHEMA_NAME.test(options.schema)) throw new StoreError(`DATABASE_SCHEMA "${options.schema}" is not a plain lower-case name`);
  return {
    connectionString: url.toString(),
    max: options.poolSize,
    statement_timeout: options.statementTimeoutMs,
    idle_in_transaction_session_timeout: Math.max(options.statementTimeoutMs * 2, 10_000),
    connectionTimeoutMillis: options.connectTimeoutMs ?? 5000,
    ...(ssl !== undefined ? { ssl } : {}),
    ...(options.schema ? { options: `-c search_path=${options.schema}` } : {}),
    types,
  };
}

function queryable(client: pg.Pool | pg.PoolClient): Queryable {
  return {
    dialect: 'postgres',
    all: async <T>(sql: string, params: readonly Param[] = []) => (await client.query(numberPlaceholders(sql), [...params])).rows as T[],
    get: async <T>(sql: string, params: readonly Param[] = []) => (await client.query(numberPlaceholders(sql), [...params])).rows[0] as T | undefined,
    run: async (sql: string, params: readonly Param[] = []) => (await client.query(numberPlaceholders(sql), [...params])).rowCount ?? 0,
  };
}

export class PostgresStore implements SqlStore {
  readonly dialect = 'postgres' as const;
  readonly description: string;
  readonly ready: Promise<void>;
  private poolOrUndefined?: pg.Pool;
  private directOrUndefined?: Queryable;

  constructor(private readonly options: PostgresOptions) {
    this.description = `${describeUrl(options.url)}${options.schema ? ` (schema ${options.schema})` : ''}`;
    this.ready = this.start();
    this.ready.catch(() => undefined); // callers see the error when they await ready or run a query
  }

  /** The pool (after `ready`). */
  get pool(): pg.Pool {
    if (!this.poolOrUndefined) throw new StoreError(`PostgreSQL ${this.description} is not ready`);
    return this.poolOrUndefined;
  }

  private get direct(): Queryable {
    this.directOrUndefined ??= queryable(this.pool);
    return this.directOrUndefined;
  }

  private async start(): Promise<void> {
    // The driver loads only when PostgreSQL is configured: the SQLite default does not pay for it.
    const { default: driver } = await import('pg');
    this.poolOrUndefined = new driver.Pool(poolConfig(this.options, driver));
    // An idle client losing its connection (server restart) must not crash the process; the pool reconnects.
    this.pool.on('error', () => undefined);
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      const e = error as Error & { code?: string };
      throw new StoreError(
        `Cannot reach PostgreSQL at ${describeUrl(this.options.url)} (DATABASE_URL): ${e.message || e.code || String(error)}`, { cause: error });
    }
    try {
      // A session lock around the whole run: instances starting together migrate one after another.
      await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
      if (this.options.schema) await client.query(`CREATE SCHEMA IF NOT EXISTS ${this.options.schema}`);
      await client.query('CREATE TABLE IF NOT EXISTS migrations (id TEXT PRIMARY KEY, applied_at TEXT NOT NULL)');
      for (const m of MIGRATIONS) {
        await client.query('BEGIN');
        try {
          const done = await client.query('SELECT 1 FROM migrations WHERE id = $1', [m.id]);
          if (done.rowCount === 0) {
            await client.query(migrationSql(m, 'postgres'));
            await client.query('INSERT INTO migrations (id, applied_at) VALUES ($1, $2)', [m.id, iso()]);
          }
          await client.query('COMMIT');
        } catch (error) {
          await client.query('ROLLBACK').catch(() => undefined);
          throw new StoreError(`Migration ${m.id} failed on PostgreSQL ${this.description}: ${(error as Error).message}`, { cause: error });
        }
      }
    } catch (error) {
      if (error instanceof StoreError) throw error;
      throw new StoreError(`Cannot prepare PostgreSQL ${this.description}: ${(error as Error).message}`, { cause: error });
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
      client.release();
    }
  }

  async all<T = Record<string, unknown>>(sql: string, params?: readonly Param[]): Promise<T[]> {
    await this.ready;
    return this.direct.all<T>(sql, params);
  }

  async get<T = Record<string, unknown>>(sql: string, params?: readonly Param[]): Promise<T | undefined> {
    await this.ready;
    return this.direct.get<T>(sql, params);
  }

  async run(sql: string, params?: readonly Param[]): Promise<number> {
    await this.ready;
    return this.direct.run(sql, params);
  }

  async transaction<T>(work: (tx: Queryable) => Promise<T>, _options?: { durable?: boolean }): Promise<T> {
    await this.ready;
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const result = await work(queryable(client));
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  async migrations(): Promise<string[]> {
    return (await this.all<{ id: string }>('SELECT id FROM migrations ORDER BY id')).map((r) => r.id);
  }

  async ping(): Promise<void> {
    await this.get('SELECT 1 AS ok');
  }

  async close(): Promise<void> {
    await this.ready.catch(() => undefined);
    await this.poolOrUndefined?.end().catch(() => undefined);
  }
}
