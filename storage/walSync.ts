/**
 * Keeps the SQLite write-ahead log synced to disk in the background.
 *
 * With synchronous=NORMAL a commit only writes its WAL frames (no fsync); the
 * checkpoint that SQLite runs after every ~10,000 pages (database.ts) first
 * fsyncs the WAL, and that fsync had to write out everything the commits left
 * in the page cache (up to ~40 MiB) with the event loop blocked: ~55 ms every
 * ~770 turns under load. Syncing the log from libuv's thread pool while
 * commits happen leaves the checkpoint little to flush (~10 ms): in `npm run
 * load` at 1 connection that was ~5% of a turn's time.
 *
 * This changes nothing SQLite relies on: data synced earlier than SQLite asks
 * is still synced, and SQLite still syncs what it needs itself.
 */
import fs from 'node:fs';

/** At most one background sync in flight, started at most this often. */
const SYNC_INTERVAL_MS = 100;

export class BackgroundWalSync {
  private inFlight = false;
  private lastStarted = -Infinity;

  constructor(private readonly walFile: string, private readonly intervalMs = SYNC_INTERVAL_MS) {}

  /** Called after each commit; starts a sync when none is running and the last one started long enough ago. */
  committed(now: number = performance.now()): void {
    if (this.inFlight || now - this.lastStarted < this.intervalMs) return;
    this.inFlight = true;
    this.lastStarted = now;
    // Opened for each sync: the log may have been removed (the last connection closed) and made again since.
    fs.open(this.walFile, 'r', (openError, fd) => {
      if (openError) {
        this.inFlight = false;
        return;
      }
      fs.fdatasync(fd, () => fs.close(fd, () => { this.inFlight = false; }));
    });
  }
}
