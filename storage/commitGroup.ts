/**
 * Group commit for the SQLite store (database.ts).
 *
 * A write transaction costs mostly its commit: the locks, and a WAL frame for
 * every page it touched. Under load the turns' transactions touch the same
 * pages (the tail of the desk transcript and of processed activities, the
 * state index), so committing them together writes each page once instead of
 * once per turn. A transaction asked for while a group is open joins it: the
 * members run one after another, each in a savepoint of its own (one that
 * fails rolls back alone, as its own transaction would), and all commit
 * together once the event loop has nothing more to add (setImmediate). A
 * member resolves only after that commit, so nothing is reported done before
 * it is in the WAL and visible to other connections and processes; if the
 * commit fails, every member fails with it.
 */
import type Database from 'better-sqlite3';
import { StoreError } from './sql.js';

/** A group stops taking members at this size (the next one starts a new group), so a commit is never put off long. */
export const MAX_GROUP_MEMBERS = 64;

export interface GroupStatements {
  readonly commit: Database.Statement;
  readonly rollback: Database.Statement;
  readonly savepoint: Database.Statement;
  readonly release: Database.Statement;
  readonly rollbackTo: Database.Statement;
}

/**
 * One in-process lock per database file: handles on the same file (a restart in tests, the CLI next to the
 * server) take turns for write transactions. SQLite's busy wait blocks the event loop, so a second in-process
 * connection waiting for a lock whose transaction needs the event loop to finish would never get it.
 */
export class FileLock {
  private held = false;
  private readonly waiting: (() => void)[] = [];

  acquire(): Promise<void> {
    if (!this.held) {
      this.held = true;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  /** Hands the lock to the next waiter, if any. */
  release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.held = false;
  }
}

/** An open write transaction (BEGIN IMMEDIATE already ran) taking members until it commits. */
export class CommitGroup {
  private chain: Promise<unknown> = Promise.resolve();
  private size = 0;
  private running = 0;
  private commitScheduled = false;
  private closed = false;
  /** Settles when the group has committed (or failed); members wait for it. */
  readonly done: Promise<void>;
  private settle!: (error?: unknown) => void;

  constructor(private readonly db: Database.Database, private readonly statements: GroupStatements, private readonly onClose: () => void) {
    this.done = new Promise<void>((resolve, reject) => { this.settle = (error) => (error === undefined ? resolve() : reject(error)); });
    this.done.catch(() => undefined); // members see the failure through their own promises
  }

  get accepting(): boolean {
    return !this.closed && this.size < MAX_GROUP_MEMBERS;
  }

  /** Runs `work` as the next member; resolves with its result once the group has committed. */
  add<T>(work: () => Promise<T>): Promise<T> {
    this.size++;
    this.running++;
    const ran = this.chain.then(() => this.member(work));
    this.chain = ran.catch(() => undefined);
    void this.chain.then(() => {
      this.running--;
      this.scheduleCommit();
    });
    return ran.then((result) => this.done.then(() => result));
  }

  private async member<T>(work: () => Promise<T>): Promise<T> {
    // An error SQLite answers by rolling back the whole transaction (a full disk, an I/O error) ends the group.
    if (!this.db.inTransaction) throw new StoreError('SQLite rolled back the transaction this one was grouped with');
    this.statements.savepoint.run();
    try {
      const result = await work();
      this.statements.release.run();
      return result;
    } catch (error) {
      if (this.db.inTransaction) {
        this.statements.rollbackTo.run();
        this.statements.release.run();
      }
      throw error;
    }
  }

  private scheduleCommit(): void {
    if (this.running > 0 || this.commitScheduled) return;
    this.commitScheduled = true;
    setImmediate(() => {
      this.commitScheduled = false;
      // Members that joined meanwhile schedule it again when they are done.
      if (this.running === 0) this.commit();
    });
  }

  private commit(): void {
    this.closed = true;
    try {
      if (!this.db.inTransaction) throw new StoreError('SQLite rolled back the transaction before its commit');
      this.statements.commit.run();
      this.settle();
    } catch (error) {
      if (this.db.inTransaction) this.statements.rollback.run();
      this.settle(error);
    } finally {
      this.onClose();
    }
  }
}
