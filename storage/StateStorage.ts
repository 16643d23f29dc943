/**
 * Bot Framework `Storage` for conversation and user state on either store,
 * with an eTag check that works. The SDK writes state with eTag '*' (last
 * writer wins); inside a turn scope (see turnGuard.ts) this storage remembers
 * the eTag each key had when the turn read it, and the write succeeds only if
 * the row is still that version. A turn that lost the race gets a
 * StateConflictError instead of silently overwriting another instance's update.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Storage, StoreItems } from 'botbuilder';
import { iso, type Queryable, type SqlStore } from './sql.js';

/** key -> eTag seen at the turn's first read (null: the key did not exist). */
type TurnEtags = Map<string, string | null>;

/**
 * Writes of the same turn that may go in the transaction that writes its state, instead of a commit of their
 * own (desk/middleware.ts: the desk's transcript lines and events). `ride` runs inside that transaction;
 * `committed` is called once it has committed (until then the rider keeps its statements, in case it rolls back).
 */
export interface StateRider {
  /** Only transactions on this store take the rider. */
  readonly db: SqlStore;
  ride(tx: Queryable): Promise<void>;
  committed(): void;
}

interface TurnScope {
  readonly etags: TurnEtags;
  /** Runs in the transaction that writes the turn's state, before it commits (turnGuard.ts marks the turn done). */
  readonly beforeCommit?: (tx: Queryable) => Promise<unknown>;
  readonly riders: StateRider[];
}
const turnScope = new AsyncLocalStorage<TurnScope>();

/** Runs `work` as one turn: state reads inside it are remembered, and writes checked against them. */
export function withStateScope<T>(work: () => Promise<T>, options: Pick<TurnScope, 'beforeCommit'> = {}): Promise<T> {
  return turnScope.run({ etags: new Map(), riders: [], ...options }, work);
}

/** Lets `rider` go along with the turn's state writes; false outside a turn scope (the rider then writes alone). */
export function rideWithTurnState(rider: StateRider): boolean {
  const scope = turnScope.getStore();
  if (!scope) return false;
  scope.riders.push(rider);
  return true;
}

export class StateConflictError extends Error {
  readonly code = 'STATE_CONFLICT';
  constructor(readonly key: string) {
    super(`Storage: eTag conflict for key ${key}: the state was changed by another request while this turn ran`);
    this.name = 'StateConflictError';
  }
}

export class SqlStorage implements Storage {
  constructor(private readonly db: SqlStore) {}

  async read(keys: string[]): Promise<StoreItems> {
    const scope = turnScope.getStore()?.etags;
    const items: StoreItems = {};
    for (const key of keys) {
      const row = await this.db.get<{ value: string; etag: number }>('SELECT value, etag FROM bot_state WHERE key = ?', [key]);
      if (row) items[key] = { ...JSON.parse(row.value), eTag: String(row.etag) };
      if (scope && !scope.has(key)) scope.set(key, row ? String(row.etag) : null);
    }
    return items;
  }

  async write(changes: StoreItems): Promise<void> {
    const turn = turnScope.getStore();
    const scope = turn?.etags;
    const riders = turn?.riders.filter((r) => r.db === this.db) ?? [];
    const now = iso();
    await this.db.transaction(async (tx) => {
      for (const [key, item] of Object.entries(changes)) {
        const { eTag, ...value } = (item ?? {}) as { eTag?: string };
        const json = JSON.stringify(value);
        // An explicit eTag wins; '*' (what the SDK sends) means "what this turn read", when known.
        const expected = eTag && eTag !== '*' ? eTag : scope?.has(key) ? scope.get(key) : undefined;
        let rows: { etag: number }[];
        if (expected === undefined) {
          rows = await tx.all(
            `INSERT INTO bot_state (key, value, etag, updated_at) VALUES (?, ?, 1, ?)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value, etag = bot_state.etag + 1, updated_at = excluded.updated_at
             RETURNING etag`, [key, json, now]);
        } else if (expected === null) {
          rows = await tx.all('INSERT INTO bot_state (key, value, etag, updated_at) VALUES (?, ?, 1, ?) ON CONFLICT (key) DO NOTHING RETURNING etag',
            [key, json, now]);
        } else {
          rows = await tx.all('UPDATE bot_state SET value = ?, etag = etag + 1, updated_at = ? WHERE key = ? AND etag = ? RETURNING etag',
            [json, now, key, Number(expected)]);
        }
        if (rows.length === 0) throw new StateConflictError(key);
        scope?.set(key, String(rows[0]!.etag));
      }
      for (const rider of riders) await rider.ride(tx);
      await turn?.beforeCommit?.(tx);
    });
    for (const rider of riders) rider.committed();
  }

  async delete(keys: string[]): Promise<void> {
    const scope = turnScope.getStore()?.etags;
    await this.db.transaction(async (tx) => {
      for (const key of keys) {
        await tx.run('DELETE FROM bot_state WHERE key = ?', [key]);
        scope?.set(key, null);
      }
    });
  }
}
