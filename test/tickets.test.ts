/** The ticket queue: references, deadlines, the HTTP API, the CLI, and delivery to a helpdesk that may be down. */
import { execFile } from 'node:child_process';
import { startHelpdesk } from './helpdesk.js';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../config/config.js';
import { createLogger } from '../logging/logger.js';
import { openSqliteStore } from '../storage/database.js';
import { dueDate } from '../tickets/deadline.js';
import { startOutboxWorker } from '../tickets/outbox.js';
import { newReference, REFERENCE_PATTERN } from '../tickets/reference.js';
import { TicketStore } from '../tickets/TicketStore.js';
import type { TicketRequest } from '../tickets/ticket.js';
import { startTestApp, tempDataDir, type TestApp } from './support.js';

const request = (key: string): TicketRequest => ({
  kind: 'leakReport', priority: 'urgent', locale: 'en-US', conversationId: 'c', fields: { leaked: ['password'] }, idempotencyKey: key,
});

describe('references', () => {
  it('say their kind and never use characters that sound or look alike', () => {
    for (let i = 0; i < 200; i++) expect(newReference('dataRequest')).toMatch(REFERENCE_PATTERN);
    expect(newReference('minorConsent').startsWith('MC-')).toBe(true);
    for (let i = 0; i < 200; i++) expect(newReference('leakReport')).not.toMatch(/-.*[O0I1L]/);
  });
});

describe('deadlines', () => {
  it.each([
    ['15 working days from a Wednesday skip three weekends', '2026-11-25', 15, 'working', '2026-12-16'],
    ['a working-day deadline from a Friday starts on Monday', '2026-11-27', 1, 'working', '2026-11-30'],
    ['calendar days count weekends', '2026-11-25', 15, 'calendar', '2026-12-10'],
  ] as const)('%s', (_title, from, days, kind, expected) => {
    expect(dueDate(new Date(`${from}T10:00:00Z`), days, kind)).toBe(expected);
  });
});

describe('the store', () => {
  it('returns the existing ticket for a repeated idempotency key', async () => {
    const store = new TicketStore(openSqliteStore(tempDataDir()));
    const a = await store.open(request('k1'));
    const b = await store.open(request('k1'));
    expect(b.id).toBe(a.id);
    expect(await store.count()).toBe(1);
  });
});

describe('tickets API', () => {
  let app: TestApp;
  let id: string;
  beforeAll(async () => {
    app = await startTestApp({ TICKETS_API_TOKEN: 'secret-token' });
    id = (await app.app.assistant.tickets.open(request('api'))).id;
  });
  afterAll(async () => { await app.close(); });
  const call = (path: string, init: RequestInit = {}, token = 'secret-token') =>
    fetch(`${app.base}${path}`, { ...init, headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) } });

  it('refuses a missing or wrong token with 401', async () => {
    expect((await call('/api/tickets', {}, '')).status).toBe(401);
    expect((await call('/api/tickets', {}, 'wrong')).status).toBe(401);
  });

  it('lists and shows tickets', async () => {
    const list = (await (await call('/api/tickets')).json()) as { tickets: { id: string }[] };
    expect(list.tickets.map((t) => t.id)).toContain(id);
    expect(((await (await call(`/api/tickets/${id}`)).json()) as { kind: string }).kind).toBe('leakReport');
    expect((await call('/api/tickets/LK-ZZZZZZ')).status).toBe(404);
  });

  it('updates the status, and refuses a bad one with 400', async () => {
    const ok = await call(`/api/tickets/${id}`, { method: 'PATCH', body: JSON.stringify({ status: 'inProgress' }) });
    expect(ok.status).toBe(200);
    expect((await app.app.assistant.tickets.get(id))?.status).toBe('inProgress');
    expect((await call(`/api/tickets/${id}`, { method: 'PATCH', body: JSON.stringify({ status: 'done-ish' }) })).status).toBe(400);
  });

  it('is off (404) when no token is configured', async () => {
    const plain = await startTestApp();
    try {
      expect((await fetch(`${plain.base}/api/tickets`)).status).toBe(404);
    } finally {
      await plain.close();
    }
  });
});

describe('tickets CLI', () => {
  it('lists, shows and closes tickets in the data directory', async () => {
    const dir = tempDataDir();
    const db = openSqliteStore(dir);
    const ticket = await new TicketStore(db).open(request('cli'));
    await db.close();
    const run = (...args: string[]) => promisify(execFile)(process.execPath, ['--import', 'tsx', 'tickets/cli.ts', ...args], {
      cwd: REPO_ROOT, env: { ...process.env, DATA_DIR: dir },
    });
    expect((await run('list')).stdout).toContain(ticket.id);
    expect((await run('show', ticket.id)).stdout).toContain('"leakReport"');
    expect((await run('close', ticket.id)).stdout).toContain('closed');
    await expect(run('show', 'LK-ZZZZZZ')).rejects.toMatchObject({ code: 1 });
  }, 120_000); // four CLI processes: slow on a loaded two-core machine
});

describe('helpdesk outbox', () => {
  it('keeps retrying a helpdesk that fails, and delivers each ticket once when it recovers', async () => {
    const helpdesk = await startHelpdesk({ failFirst: 2 });
    const { received, url } = helpdesk;
    const db = openSqliteStore(tempDataDir());
    const ticket = await new TicketStore(db, { withOutbox: true }).open(request('outbox'));
    let clock = Date.now();
    const worker = startOutboxWorker(db, url, createLogger('silent'), { intervalMs: 3_600_000, now: () => clock });
    try {
      await worker.drain(); // first attempt fails
      clock += 5_000;
      await worker.drain(); // second fails
      clock += 60_000;
      expect(await worker.drain()).toBe(1);
      clock += 60_000;
      expect(await worker.drain()).toBe(0);
      expect(received).toEqual([ticket.id]);
    } finally {
      await worker.stop();
      await helpdesk.close();
    }
  });
});
