/**
 * Delivers new tickets to an external helpdesk webhook from the outbox table,
 * retrying with exponential backoff until the helpdesk accepts. Pending rows
 * survive restarts: the worker picks them up whenever it starts.
 *
 * Several instances share one outbox: a row is claimed before it is sent
 * (PostgreSQL: FOR UPDATE SKIP LOCKED; SQLite: an immediate transaction) by
 * moving its next attempt past the send timeout, so no other worker takes it
 * while it is in flight, and a worker that dies mid-send only delays it. Each
 * POST carries `Idempotency-Key: <ticket id>` for the one case no outbox can
 * close (a crash after the helpdesk accepted, before the row was marked).
 */
import type { SqlStore } from '../storage/sql.js';
import type { Logger } from '../logging/logger.js';

export interface OutboxWorker {
  /** Sends everything due now; resolves with the number delivered. */
  drain(): Promise<number>;
  /** Stops the timer; resolves when a pass in flight has finished. */
  stop(): Promise<void>;
}

interface OutboxRow { id: number; ticket_id: string; payload: string; attempts: number }

export const OUTBOX_DEFAULTS: Readonly<{ intervalMs: number; maxBackoffMs: number; baseBackoffMs: number; timeoutMs: number; maxPerPass: number }> =
  Object.freeze({ intervalMs: 2000, maxBackoffMs: 5 * 60_000, baseBackoffMs: 1000, timeoutMs: 10_000, maxPerPass: 200 });

const CLAIM_MARGIN_MS = 5000;

export function startOutboxWorker(
  db: SqlStore, webhookUrl: string, logger: Logger,
  options: Partial<typeof OUTBOX_DEFAULTS> & { now?: () => number } = {},
): OutboxWorker {
  const settings = { ...OUTBOX_DEFAULTS, ...options };
  const now = options.now ?? Date.now;
  const at = (ms: number): string => new Date(ms).toISOString();
  const skipLocked = db.dialect === 'postgres' ? 'FOR UPDATE SKIP LOCKED' : '';

  /** Takes the oldest due row for this worker (attempts counted now, so a crash mid-send still backs off). */
  const claim = (): Promise<OutboxRow | undefined> => db.transaction(async (tx) => {
    const t = now();
    const [row] = await tx.all<OutboxRow>(
      `UPDATE outbox SET next_attempt_at = ?, attempts = attempts + 1
       WHERE id = (SELECT id FROM outbox WHERE delivered_at IS NULL AND next_attempt_at <= ? ORDER BY id LIMIT 1 ${skipLocked})
       RETURNING id, ticket_id, payload, attempts`,
      [at(t + settings.timeoutMs + CLAIM_MARGIN_MS), at(t)]);
    return row;
  });

  // Passes run one after another: a slow helpdesk must not get the same ticket twice.
  let queue: Promise<number> = Promise.resolve(0);
  let stopped = false;
  const drain = (): Promise<number> => {
    queue = queue.then(pass, pass);
    return queue;
  };

  const pass = async (): Promise<number> => {
    let delivered = 0;
    for (let i = 0; i < settings.maxPerPass && !stopped; i++) {
      const row = await claim();
      if (!row) break;
      try {
        const res = await fetch(webhookUrl, {
          method: 'POST', headers: { 'content-type': 'application/json', 'idempotency-key': row.ticket_id }, body: row.payload,
          signal: AbortSignal.timeout(settings.timeoutMs),
        });
        await res.arrayBuffer().catch(() => undefined); // free the connection whatever the answer
        if (!res.ok) throw new Error(`helpdesk answered ${res.status}`);
        await db.run('UPDATE outbox SET delivered_at = ?, last_error = NULL WHERE id = ?', [at(now()), row.id]);
        delivered += 1;
        logger.info('ticket delivered to helpdesk', { ticket: row.ticket_id });
      } catch (error) {
        const backoff = Math.min(settings.maxBackoffMs, settings.baseBackoffMs * 2 ** (row.attempts - 1));
        await db.run('UPDATE outbox SET next_attempt_at = ?, last_error = ? WHERE id = ?',
          [at(now() + backoff), String((error as Error).message), row.id]).catch(() => undefined);
        logger.warn('helpdesk delivery failed; will retry', { ticket: row.ticket_id, attempt: row.attempts, retryInMs: backoff });
      }
    }
    return delivered;
  };

  const safeDrain = (): void => {
    drain().catch((error: unknown) => logger.error('outbox pass failed', { error }));
  };
  const timer = setInterval(safeDrain, settings.intervalMs);
  timer.unref();
  safeDrain();
  return {
    drain,
    stop: async () => {
      stopped = true;
      clearInterval(timer);
      await queue.catch(() => undefined);
    },
  };
}
