import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { openSqliteStore } from '../../storage/database.js';
import { BackgroundWalSync } from '../../storage/walSync.js';

const until = async (check: () => boolean): Promise<void> => {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
};

describe('background sync of the SQLite write-ahead log', () => {
  afterEach(() => vi.restoreAllMocks());

  it('syncs the log at most once per interval however many commits come, and again after it', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wal-sync-'));
    const wal = path.join(dir, 'x.sqlite-wal');
    fs.writeFileSync(wal, 'frames');
    const synced = vi.spyOn(fs, 'fdatasync');
    const sync = new BackgroundWalSync(wal, 100);
    for (let i = 0; i < 500; i++) sync.committed(1000 + i / 10);
    await until(() => synced.mock.calls.length > 0);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(synced).toHaveBeenCalledTimes(1);
    sync.committed(1050); // still within the interval
    sync.committed(1100);
    await until(() => synced.mock.calls.length > 1);
    expect(synced).toHaveBeenCalledTimes(2);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('shrugs off a log that is not there (removed with its folder) and tries again later', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wal-sync-'));
    const wal = path.join(dir, 'gone.sqlite-wal');
    const synced = vi.spyOn(fs, 'fdatasync');
    const sync = new BackgroundWalSync(wal, 100);
    sync.committed(0);
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(synced).not.toHaveBeenCalled();
    fs.writeFileSync(wal, 'frames');
    sync.committed(200);
    await until(() => synced.mock.calls.length > 0);
    expect(synced).toHaveBeenCalledTimes(1);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("is started by the store's commits", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wal-sync-'));
    const synced = vi.spyOn(fs, 'fdatasync');
    const store = openSqliteStore(dir);
    await store.run('INSERT INTO bot_state (key, value, etag, updated_at) VALUES (?, ?, ?, ?)', ['k', '{}', 1, new Date().toISOString()]);
    await until(() => synced.mock.calls.length > 0);
    expect(synced).toHaveBeenCalled();
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
