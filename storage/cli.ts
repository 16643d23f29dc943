/**
 * `npm run db -- migrate | purge | status`: the store named by the
 * configuration (DATABASE_URL, else SQLite in DATA_DIR).
 *   migrate  applies pending migrations (each in a transaction) and lists them
 *   purge    deletes what is past its retention window (STATE_/TRANSCRIPT_/CLOSED_TICKET_RETENTION_DAYS)
 *   status   where the store is and which migrations it has
 */
import 'dotenv/config';
import { loadConfig, ConfigError } from '../config/config.js';
import { openStore } from './open.js';
import { purge } from './retention.js';

const USAGE = 'Usage: npm run db -- migrate | purge | status';
const [command] = process.argv.slice(2);
if (!['migrate', 'purge', 'status'].includes(command ?? '')) {
  process.stderr.write(`${USAGE}\n`);
  process.exit(2);
}

try {
  const config = loadConfig();
  const db = openStore(config);
  try {
    await db.ready; // opening the store applies pending migrations
    if (command === 'purge') {
      const counts = await purge(db, config.retention);
      const windows = config.retention;
      process.stdout.write(`Purged from ${db.description} (state ${windows.stateDays} d, transcripts ${windows.transcriptDays} d, closed tickets ${windows.closedTicketDays} d; 0 = kept):\n`);
      for (const [what, n] of Object.entries(counts)) process.stdout.write(`  ${what.padEnd(22)} ${n}\n`);
    } else {
      const applied = await db.migrations();
      process.stdout.write(`${db.dialect} store ${db.description}\nmigrations applied: ${applied.join(', ')}\n`);
    }
  } finally {
    await db.close();
  }
} catch (error) {
  process.stderr.write(`${error instanceof ConfigError ? error.message : (error as Error).message}\n`);
  process.exit(1);
}
