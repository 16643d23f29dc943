/**
 * The stores the storage tests run against: SQLite always, PostgreSQL when
 * TEST_DATABASE_URL is set (.ci/run sets it when a server answers at
 * 127.0.0.1:5432). Each PostgreSQL test gets a schema of its own, dropped after.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openSqliteStore } from '../../storage/database.js';
import { PostgresStore } from '../../storage/postgres.js';
import type { SqlStore } from '../../storage/sql.js';
import { tempDataDir } from '../support.js';

export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? '';
export const SKIPPED_NO_POSTGRES = 'skipped: no PostgreSQL (set TEST_DATABASE_URL=postgres://... to run these against one)';

/** One isolated place to keep data: a folder (SQLite) or a schema (PostgreSQL). */
export interface StoreLocation {
  /** Another handle on the same data (another process, another instance). */
  open(): SqlStore;
  /** Environment for an app on this data. */
  readonly env: Record<string, string>;
  readonly dataDir: string;
  dispose(): Promise<void>;
}

export interface StoreKind {
  readonly name: 'sqlite' | 'postgres';
  location(): StoreLocation;
}

const opened: SqlStore[] = [];

export const sqliteKind: StoreKind = {
  name: 'sqlite',
  location() {
    const dataDir = tempDataDir();
    const mine: SqlStore[] = [];
    return {
      dataDir,
      env: {},
      open: () => { const s = openSqliteStore(dataDir); mine.push(s); opened.push(s); return s; },
      dispose: async () => { await Promise.all(mine.map((s) => s.close())); },
    };
  },
};

export const postgresKind: StoreKind = {
  name: 'postgres',
  location() {
    const schema = `t_${randomBytes(6).toString('hex')}`;
    const mine: SqlStore[] = [];
    return {
      dataDir: tempDataDir(),
      env: { DATABASE_URL: TEST_DATABASE_URL, DATABASE_SCHEMA: schema },
      open: () => {
        const s = new PostgresStore({ url: TEST_DATABASE_URL, poolSize: 5, statementTimeoutMs: 10_000, sslmode: '', schema });
        mine.push(s);
        return s;
      },
      dispose: async () => {
        await Promise.all(mine.map((s) => s.close()));
        await dropSchema(schema);
      },
    };
  },
};

export async function dropSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  } finally {
    await client.end();
  }
}

/** The kinds to run: SQLite, and PostgreSQL when a server is configured. */
export const STORE_KINDS: readonly StoreKind[] = TEST_DATABASE_URL ? [sqliteKind, postgresKind] : [sqliteKind];
