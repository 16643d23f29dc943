/**
 * Bot Framework `Storage` for conversation and user state on either store,
 * with an eTag check that works. The SDK writes state with eTag '*' (last
 * writer wins); inside a turn scope (see turnGuard.ts) this storage remembers
 * the eTag each key had when the turn read it, and the write succeeds only if
 * the row is still that version. A turn that lost the race gets a
 * StateConflictError instead of silently overwriting another instance's update.
 *
 * The turn scope travels in the turn's state (`TURN_SCOPE`), not in an
 * AsyncLocalStorage: ConversationState and UserState here (`TurnScopedConversationState`,
 * `TurnScopedUserState`) hand it to the storage with each read and write. An
 * AsyncLocalStorage turns on Node's promise hooks for the whole process, a cost
 * on every promise of every turn.
 */
import { ConversationState, UserState, type BotState, type Storage, type StoreItems, type TurnContext } from 'botbuilder';
import { iso, type Queryable, type SqlStore } from './sql.js';

/** key -> eTag seen at the turn's first read (null: the key did not exist). */
type TurnEtags = Map<string, string | null>;

/**
 * How far a state row's `updated_at` may lag behind its last write. Only retention reads it, in days; a write
 * that leaves the column alone rewrites one page (the row's), where setting it also moves the row's entry in
 * the `updated_at` index (two or three more WAL pages on every turn's commit).
 */
export const STATE_TIME_PRECISION_MS = 10 * 60 * 1000;

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

/** One turn's view of the state: the eTags it read, what rides along with its state write. */
export interface TurnScope {
  readonly etags: TurnEtags;
  /** Keys read in this turn whose `updated_at` was within STATE_TIME_PRECISION_MS of the read: a write leaves it. */
  readonly recent: Set<string>;
  /** Runs in the transaction that writes the turn's state, before it commits (turnGuard.ts marks the turn done). */
  readonly beforeCommit?: (tx: Queryable) => Promise<unknown>;
  readonly riders: StateRider[];
}

/** The turn-state key of the running turn's scope (set by turnGuard.ts). */
export const TURN_SCOPE = Symbol('storage.turnScope');

export function createTurnScope(options: Pick<TurnScope, 'beforeCommit'> = {}): TurnScope {
  return { etags: new Map(), recent: new Set(), riders: [], ...options };
}

/** The scope of the turn `context` belongs to, if it runs in one. */
export function turnScopeOf(context: Pick<TurnContext, 'turnState'>): TurnScope | undefined {
  return context.turnState.get(TURN_SCOPE) as TurnScope | undefined;
}

/** Runs `work` as one turn: state reads through `scope` are remembered, and writes checked against them. */
export function withStateScope<T>(work: (scope: TurnScope) => Promise<T>, options: Pick<TurnScope, 'beforeCommit'> = {}): Promise<T> {
  return work(createTurnScope(options));
}

/** Lets `rider` go along with the turn's state writes; false outside a turn scope (the rider then writes alone). */
export function rideWithTurnState(scope: TurnScope | undefined, rider: StateRider): boolean {
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

/** A state item as stored: its JSON without the eTag. */
interface StateJson { readonly key: string; readonly json: string; readonly eTag?: string }

export class SqlStorage implements Storage {
  constructor(private readonly db: SqlStore) {}

  async read(keys: string[], scope?: TurnScope): Promise<StoreItems> {
    const items: StoreItems = {};
    for (const key of keys) {
      const row = await this.readJson(key, scope);
      if (row) items[key] = { ...JSON.parse(row.value), eTag: row.eTag };
    }
    return items;
  }

  /** One key's stored JSON (without its eTag) and eTag, remembered in `scope`. */
  async readJson(key: string, scope?: TurnScope): Promise<{ value: string; eTag: string } | undefined> {
    const row = await this.db.get<{ value: string; etag: number; updated_at: string }>('SELECT value, etag, updated_at FROM bot_state WHERE key = ?', [key]);
    const eTag = row ? String(row.etag) : null;
    if (scope && !scope.etags.has(key)) {
      scope.etags.set(key, eTag);
      if (row && row.updated_at >= iso(Date.now() - STATE_TIME_PRECISION_MS)) scope.recent.add(key);
    }
    return row ? { value: row.value, eTag: eTag! } : undefined;
  }

  async write(changes: StoreItems, scope?: TurnScope): Promise<void> {
    const items: StateJson[] = [];
    for (const [key, item] of Object.entries(changes)) {
      const { eTag, ...value } = (item ?? {}) as { eTag?: string };
      items.push({ key, json: JSON.stringify(value), ...(eTag ? { eTag } : {}) });
    }
    return this.writeJson(items, scope);
  }

  /** Writes items already serialised (without their eTag), in one transaction with the scope's riders. */
  async writeJson(items: readonly StateJson[], scope?: TurnScope): Promise<void> {
    const etags = scope?.etags;
    const riders = scope?.riders.filter((r) => r.db === this.db) ?? [];
    const now = iso();
    await this.db.transaction(async (tx) => {
      for (const { key, json, eTag } of items) {
        // An explicit eTag wins; '*' (what the SDK sends) means "what this turn read", when known.
        const expected = eTag && eTag !== '*' ? eTag : etags?.has(key) ? etags.get(key) : undefined;
        let rows: { etag: number }[];
        if (expected === undefined) {
          rows = await tx.all(
            `INSERT INTO bot_state (key, value, etag, updated_at) VALUES (?, ?, 1, ?)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value, etag = bot_state.etag + 1, updated_at = excluded.updated_at
             RETURNING etag`, [key, json, now]);
        } else if (expected === null) {
          rows = await tx.all('INSERT INTO bot_state (key, value, etag, updated_at) VALUES (?, ?, 1, ?) ON CONFLICT (key) DO NOTHING RETURNING etag',
            [key, json, now]);
        } else if (scope?.recent.has(key)) {
          rows = await tx.all('UPDATE bot_state SET value = ?, etag = etag + 1 WHERE key = ? AND etag = ? RETURNING etag',
            [json, key, Number(expected)]);
        } else {
          rows = await tx.all('UPDATE bot_state SET value = ?, etag = etag + 1, updated_at = ? WHERE key = ? AND etag = ? RETURNING etag',
            [json, now, key, Number(expected)]);
        }
        if (rows.length === 0) throw new StateConflictError(key);
        etags?.set(key, String(rows[0]!.etag));
      }
      for (const rider of riders) await rider.ride(tx);
      await scope?.beforeCommit?.(tx);
    });
    for (const rider of riders) rider.committed();
  }

  async delete(keys: string[], scope?: TurnScope): Promise<void> {
    await this.db.transaction(async (tx) => {
      for (const key of keys) {
        await tx.run('DELETE FROM bot_state WHERE key = ?', [key]);
        scope?.etags.set(key, null);
      }
    });
  }
}

/** What a Storage that takes a turn scope accepts (SqlStorage, or a wrapper that passes the scope on). */
type ScopedStorage = Storage & {
  read(keys: string[], scope?: TurnScope): Promise<StoreItems>;
  write(changes: StoreItems, scope?: TurnScope): Promise<void>;
  delete(keys: string[], scope?: TurnScope): Promise<void>;
};

interface Cached { state: Record<string, unknown>; hash: string }

/** The state object as the storage keeps it: its JSON without the eTag. */
function stateJson(state: Record<string, unknown>): string {
  if (!('eTag' in state)) return JSON.stringify(state);
  const { eTag: _eTag, ...rest } = state;
  return JSON.stringify(rest);
}

/**
 * BotState's load, saveChanges and delete, with the turn's scope handed to the storage, and its change check on
 * the state's JSON (what the storage writes) instead of the SDK's hash: the SDK serialises the state with a
 * replacer and hashes it with SHA-256 on load, before saving and after saving (and the storage serialises it once
 * more). Here, on SqlStorage, the JSON read from the row is the snapshot, and the JSON compared is the JSON written.
 */
class ScopedStateOps {
  constructor(
    private readonly storage: ScopedStorage,
    private readonly stateKey: symbol,
    private readonly keyOf: (context: TurnContext) => string,
  ) {}

  async load(context: TurnContext, force: boolean): Promise<Record<string, unknown>> {
    const cached = context.turnState.get(this.stateKey) as Cached | undefined;
    if (!force && cached?.state) return cached.state;
    const key = this.keyOf(context);
    const scope = turnScopeOf(context);
    let state: Record<string, unknown>;
    let hash: string;
    if (this.storage instanceof SqlStorage) {
      const row = await this.storage.readJson(key, scope);
      state = row ? { ...JSON.parse(row.value), eTag: row.eTag } : {};
      hash = row ? row.value : '{}';
    } else {
      const items = await this.storage.read([key], scope);
      state = (items[key] as Record<string, unknown> | undefined) ?? {};
      hash = stateJson(state);
    }
    context.turnState.set(this.stateKey, { state, hash } satisfies Cached);
    return state;
  }

  async saveChanges(context: TurnContext, force: boolean): Promise<void> {
    let cached = context.turnState.get(this.stateKey) as Cached | undefined;
    if (!cached && !force) return;
    const json = cached ? stateJson(cached.state) : '{}';
    if (!force && cached!.hash === json) return;
    const key = this.keyOf(context);
    cached ??= { state: {}, hash: '' };
    cached.state.eTag = '*';
    const scope = turnScopeOf(context);
    if (this.storage instanceof SqlStorage) await this.storage.writeJson([{ key, json, eTag: '*' }], scope);
    else await this.storage.write({ [key]: cached.state }, scope);
    cached.hash = json;
    context.turnState.set(this.stateKey, cached);
  }

  async delete(context: TurnContext): Promise<void> {
    context.turnState.delete(this.stateKey);
    await this.storage.delete([this.keyOf(context)], turnScopeOf(context));
  }
}

const stateKeyOf = (state: BotState): symbol => (state as unknown as { stateKey: symbol }).stateKey;

function requiredKey(key: string | undefined, kind: string): string {
  if (!key) throw new Error(`${kind}: overridden getStorageKey method did not return a key.`);
  return key;
}

/** The SDK's ConversationState or UserState class: a BotState that names its storage key per turn. */
type KeyedState = BotState & { getStorageKey(context: TurnContext): string | undefined };
type KeyedStateClass = new (storage: Storage, namespace?: string) => KeyedState;

/**
 * The SDK class `Base` whose load, saveChanges and delete belong to the running turn's scope (see
 * ScopedStateOps); everything else (property accessors, the storage key) stays the SDK's.
 */
function turnScoped<B extends KeyedStateClass>(Base: B, kind: string): B {
  // A mixin: TypeScript needs the (...args: any[]) constructor, which is (storage, namespace) here.
  return class extends (Base as new (...args: any[]) => KeyedState) {
    private readonly ops: ScopedStateOps;

    constructor(...args: any[]) {
      super(...args);
      this.ops = new ScopedStateOps(args[0] as ScopedStorage, stateKeyOf(this), (context) => requiredKey(this.getStorageKey(context), kind));
    }

    override load(context: TurnContext, force = false): Promise<any> { return this.ops.load(context, force); }
    override saveChanges(context: TurnContext, force = false): Promise<void> { return this.ops.saveChanges(context, force); }
    override delete(context: TurnContext): Promise<void> { return this.ops.delete(context); }
  } as unknown as B;
}

export const TurnScopedConversationState = turnScoped(ConversationState, 'ConversationState');
export const TurnScopedUserState = turnScoped(UserState, 'UserState');
