/**
 * A server stopped right after it started (a failed deploy, a test) closes cleanly: the retention purge that
 * runs at start is waited for, not cut off with "The database connection is not open".
 */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/config.js';
import { createApp } from '../../bot/createApp.js';
import { createLogger } from '../../logging/logger.js';
import { tempDataDir } from '../support.js';

describe('closing a server that has just started', () => {
  it('lets the start-up purge finish before the store closes', async () => {
    for (let i = 0; i < 3; i++) {
      const lines: string[] = [];
      const app = createApp({ config: loadConfig({ DATA_DIR: tempDataDir() }), logger: createLogger('debug', (line) => lines.push(line)) });
      await app.listen(0);
      await app.close();
      // Anything the purge would have logged after the close has had its chance to appear.
      await new Promise((r) => setTimeout(r, 50));
      expect(lines.filter((l) => /purge failed|not open/.test(l))).toEqual([]);
    }
  });
});
