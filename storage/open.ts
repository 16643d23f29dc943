/** Picks the store from configuration: PostgreSQL when DATABASE_URL is set, else SQLite in DATA_DIR. */
import type { Config } from '../config/config.js';
import { openSqliteStore } from './database.js';
import { PostgresStore } from './postgres.js';
import type { SqlStore } from './sql.js';

export function openStore(config: Config): SqlStore {
  if (!config.databaseUrl) return openSqliteStore(config.dataDir);
  return new PostgresStore({
    url: config.databaseUrl,
    poolSize: config.databasePoolSize,
    statementTimeoutMs: config.databaseStatementTimeoutMs,
    sslmode: config.databaseSslmode,
    schema: config.databaseSchema,
  });
}
