/**
 * The embedded store: one SQLite file in the configured data directory,
 * created on first start. Conversation state, tickets and the helpdesk outbox
 * share it, so a ticket and its outbox entry commit together.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';

export type Db = Database.Database;

export const DATABASE_FILE = 'assistant.sqlite';

/** Each module registers its own tables through migrations run in order, once. */
export interface Migration {
  readonly id: string;
  readonly sql: string;
}

const BASE_MIGRATIONS: readonly Migration[] = [
  {
    id: '001-bot-state',
    sql: `CREATE TABLE IF NOT EXISTS bot_state (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL,
            etag INTEGER NOT NULL,
            updated_at TEXT NOT NULL
          );`,
  },
];

export function openDatabase(dataDir: string, migrations: readonly Migration[] = []): Db {
  fs.mkdirSync(dataDir, { recursive: true });
  const db = new Database(path.join(dataDir, DATABASE_FILE));
  // WAL lets the tickets CLI read while the server writes.
  db.pragma('journal_mode = WAL');
  db.pragma('busy_timeout = 5000');
  db.exec('CREATE TABLE IF NOT EXISTS migrations (id TEXT PRIMARY KEY, applied_at TEXT NOT NULL)');
  const applied = new Set((db.prepare('SELECT id FROM migrations').all() as { id: string }[]).map((r) => r.id));
  for (const m of [...BASE_MIGRATIONS, ...migrations]) {
    if (applied.has(m.id)) continue;
    db.transaction(() => {
      db.exec(m.sql);
      db.prepare('INSERT INTO migrations (id, applied_at) VALUES (?, ?)').run(m.id, new Date().toISOString());
    })();
  }
  return db;
}
