/**
 * The customer-service desk in the same server: sign-in, queue, tickets with
 * an audit trail, live handoff, Improve, dashboard and /metrics. createApp
 * calls `attachDesk` once; everything the desk adds to a turn is adapter
 * middleware (desk/middleware.ts), so dialogs stay unaware of it.
 */
import type restify from 'restify';
import type { Assistant } from '../bot/createAssistant.js';
import { createClientAddress, createFailureLockout, parseTrustedProxies } from '../bot/rateLimit.js';
import { DeskAuth } from './auth.js';
import { TicketAudit } from './audit.js';
import { LiveDesk } from './live.js';
import { Metrics } from './metrics.js';
import { DeskMiddleware } from './middleware.js';
import { buildQueue } from './queue.js';
import { registerDeskRoutes } from './routes.js';
import { ensureDeskSchema } from './schema.js';
import { checkBearer } from '../tickets/routes.js';
import { purgeDesk } from './retention.js';

export interface Desk {
  readonly ready: Promise<void>;
  readonly metrics: Metrics;
  readonly live: LiveDesk;
  readonly auth: DeskAuth;
  readonly audit: TicketAudit;
  close(): void;
}

export function attachDesk(server: restify.Server, assistant: Assistant): Desk {
  const { config, db, i18n, tickets, logger } = assistant;
  const ready = ensureDeskSchema(db);
  ready.catch((error: unknown) => logger.error('desk schema failed', { error }));
  const metrics = new Metrics();
  const live = new LiveDesk({
    db, adapter: assistant.adapterParts.adapter, appId: config.microsoftAppId, i18n, desk: config.desk, tickets, metrics, logger: logger.child('desk'),
  });
  const auth = new DeskAuth(db, config.desk.agents, config.desk.sessionHours);
  const audit = new TicketAudit(db);
  const middleware = new DeskMiddleware({ db, live, metrics, i18n, logger: logger.child('desk') });
  // Last in the pipeline: the reply contract has stamped what it sees, "forget" has already run.
  assistant.adapterParts.adapter.use({ onTurn: async (context, next) => { await ready; return middleware.onTurn(context, next); } });

  metrics.gauge('assistant_handoffs_waiting', 'Conversations waiting in the live queue for a person.', async () => [{ value: await live.waitingCount() }]);
  metrics.gauge('assistant_tickets', 'Tickets in the store, by kind and status.', async () =>
    (await db.all<{ kind: string; status: string; n: number }>('SELECT kind, status, COUNT(*) AS n FROM tickets GROUP BY kind, status'))
      .map((r) => ({ labels: { kind: r.kind, status: r.status }, value: Number(r.n) })));
  metrics.gauge('assistant_tickets_overdue', 'Open tickets past their clock (contact within 24 h for urgent leaks, legal due date for data requests).', async () => {
    const overdue = buildQueue(await tickets.list({ limit: 100_000 }), { overdueOnly: true });
    const byKind = new Map<string, number>();
    for (const i of overdue) byKind.set(i.ticket.kind, (byKind.get(i.ticket.kind) ?? 0) + 1);
    return [...byKind.entries()].map(([kind, value]) => ({ labels: { kind }, value }));
  });

  const metricsLockout = createFailureLockout({ maxFailures: 10, windowMs: 15 * 60_000, lockMs: 60_000 });
  const metricsClient = createClientAddress(parseTrustedProxies(config.trustedProxies));
  server.get('/metrics', async (req, res) => {
    // Counts of tickets and conversations are business data: with a token set, only the scraper reads them.
    if (config.metricsToken && !checkBearer(req, res, config.metricsToken, { lockout: metricsLockout, clientOf: metricsClient })) return;
    await ready;
    const text = await metrics.render();
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8', 'cache-control': 'no-store' });
    res.end(text);
  });

  registerDeskRoutes(server, {
    db, auth, audit, live, tickets, kb: assistant.kb, i18n, timeZone: config.desk.timeZone, trainingDir: config.desk.trainingDir,
    secure: config.publicUrl.startsWith('https:'),
    lockout: createFailureLockout({ maxFailures: 5, windowMs: 15 * 60_000, lockMs: 60_000 }),
    clientOf: createClientAddress(parseTrustedProxies(config.trustedProxies)),
  });
  ready.then(() => live.start(), () => undefined);

  // The desk's copies follow the transcript retention (TRANSCRIPT_RETENTION_DAYS); expired sessions go too.
  const purge = (): Promise<void> => purgeDesk(db, config.retention.transcriptDays);
  const purgeTimer = config.purgeIntervalMinutes > 0
    ? setInterval(() => { purge().catch((error: unknown) => logger.error('desk purge failed', { error })); }, config.purgeIntervalMinutes * 60_000)
    : undefined;
  purgeTimer?.unref();
  return { ready, metrics, live, auth, audit, close: () => { live.stop(); if (purgeTimer) clearInterval(purgeTimer); } };
}
