/**
 * Bot Framework `Storage` on SQLite, so conversation state (where a user is in
 * a flow) survives a server restart. Honours eTags like the SDK's own stores:
 * a write with a stale eTag is refused instead of silently losing an update.
 */
import type { Storage, StoreItems } from 'botbuilder';
import type { Db } from './database.js';

export class SqliteStorage implements Storage {
  constructor(private readonly db: Db) {}

  async read(keys: string[]): Promise<StoreItems> {
    const items: StoreItems = {};
    const get = this.db.prepare('SELECT value, etag FROM bot_state WHERE key = ?');
    for (const key of keys) {
      const row = get.get(key) as { value: string; etag: number } | undefined;
      if (row) items[key] = { ...JSON.parse(row.value), eTag: String(row.etag) };
    }
    return items;
  }

  async write(changes: StoreItems): Promise<void> {
    const get = this.db.prepare('SELECT etag FROM bot_state WHERE key = ?');
    const put = this.db.prepare(
      `INSERT INTO bot_state (key, value, etag, updated_at) VALUES (@key, @value, @etag, @now)
       ON CONFLICT(key) DO UPDATE SET value = @value, etag = @etag, updated_at = @now`,
    );
    this.db.transaction(() => {
      for (const [key, item] of Object.entries(changes)) {
        const current = get.get(key) as { etag: number } | undefined;
        const { eTag, ...value } = (item ?? {}) as { eTag?: string };
        if (current && eTag && eTag !== '*' && eTag !== String(current.etag)) {
          throw new Error(`Storage: eTag conflict for key ${key}`);
        }
        put.run({ key, value: JSON.stringify(value), etag: (current?.etag ?? 0) + 1, now: new Date().toISOString() });
      }
    })();
  }

  async delete(keys: string[]): Promise<void> {
    const del = this.db.prepare('DELETE FROM bot_state WHERE key = ?');
    this.db.transaction(() => keys.forEach((k) => del.run(k)))();
  }
}
