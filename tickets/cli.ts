/**
 * `npm run tickets -- list [--status open] | show ID | close ID`: customer
 * service works the queue on the store (DATA_DIR, or DATABASE_URL when set).
 */
import 'dotenv/config';
import { loadConfig } from '../config/config.js';
import { openStore } from '../storage/open.js';
import { TicketStore } from './TicketStore.js';
import { TICKET_STATUSES, type Ticket, type TicketStatus } from './ticket.js';

const USAGE = `Usage: npm run tickets -- <command>
  list [--status ${TICKET_STATUSES.join('|')}]   newest first
  show ID                                        one ticket with its fields
  close ID                                       mark a ticket closed`;

const config = loadConfig();
const db = openStore(config);
try {
  await db.ready;
} catch (error) {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exit(1);
}
const store = new TicketStore(db);
const [command, ...args] = process.argv.slice(2);

const line = (t: Ticket): string =>
  `${t.id}  ${t.kind.padEnd(12)} ${t.status.padEnd(18)} ${t.priority.padEnd(7)} ${t.createdAt.slice(0, 16).replace('T', ' ')}${t.dueDate ? `  due ${t.dueDate}` : ''}`;

function fail(message: string, code = 2): never {
  process.stderr.write(`${message}\n`);
  process.exit(code); // the store needs no closing: SQLite's WAL and PostgreSQL's server keep what was committed
}

switch (command) {
  case 'list': {
    const i = args.indexOf('--status');
    const status = i >= 0 ? args[i + 1] : undefined;
    if (status !== undefined && !TICKET_STATUSES.includes(status as TicketStatus)) fail(USAGE);
    const tickets = await store.list(status ? { status: status as TicketStatus } : {});
    process.stdout.write(tickets.length ? tickets.map(line).join('\n') + '\n' : 'No tickets.\n');
    break;
  }
  case 'show': {
    const t = args[0] ? await store.get(args[0]) : undefined;
    if (!t) fail(args[0] ? `No ticket ${args[0]}.` : USAGE, args[0] ? 1 : 2);
    process.stdout.write(JSON.stringify(t, null, 2) + '\n');
    break;
  }
  case 'close': {
    if (!args[0]) fail(USAGE);
    const t = (await store.get(args[0])) ? await store.setStatus(args[0], 'closed') : undefined;
    if (!t) fail(`No ticket ${args[0]}.`, 1);
    process.stdout.write(`${line(t)}\n`);
    break;
  }
  default:
    fail(USAGE);
}
await db.close();
