/**
 * Delivers new tickets to an external helpdesk webhook from the outbox table,
 * retrying with exponential backoff until the helpdesk accepts. Pending rows
 * survive restarts: the worker picks them up whenever it starts.
 */
import type { Db } from '../storage/database.js';
import type { Logger } from '../logging/logger.js';

export interface OutboxWorker {
  /** Sends everything due now; resolves with the number delivered. */
  drain(): Promise<number>;
  stop(): void;
}

interface OutboxRow { id: number; ticket_id: string; payload: string; attempts: number }

export const OUTBOX_DEFAULTS: Readonly<{ intervalMs: number; maxBackoffMs: number; baseBackoffMs: number; timeoutMs: number }> =
  Object.freeze({ intervalMs: 2000, maxBackoffMs: 5 * 60_000, baseBackoffMs: 1000, timeoutMs: 10_000 });

export function startOutboxWorker(
  db: Db, webhookUrl: string, logger: Logger,
  options: Partial<typeof OUTBOX_DEFAULTS> & { now?: () => number } = {},
): OutboxWorker {
  const settings = { ...OUTBOX_DEFAULTS, ...options };
  const now = options.now ?? Date.now;
  // Passes run one after another: a slow helpdesk must not get the same ticket twice.
  let queue: Promise<number> = Promise.resolve(0);
  const drain = (): Promise<number> => {
    queue = queue.then(pass, pass);
    return queue;
  };

  const pass = async (): Promise<number> => {
    let delivered = 0;
    const due = db.prepare('SELECT id, ticket_id, payload, attempts FROM outbox WHERE delivered_at IS NULL AND next_attempt_at <= ? ORDER BY id')
        .all(new Date(now()).toISOString()) as OutboxRow[];
      for (const row of due) {
        try {
          const res = await fetch(webhookUrl, {
            method: 'POST', headers: { 'content-type': 'application/json' }, body: row.payload,
            signal: AbortSignal.timeout(settings.timeoutMs),
          });
          await res.arrayBuffer().catch(() => undefined); // free the connection whatever the answer
          if (!res.ok) throw new Error(`helpdesk answered ${res.status}`);
          db.prepare('UPDATE outbox SET delivered_at = ?, attempts = attempts + 1, last_error = NULL WHERE id = ?').run(new Date(now()).toISOString(), row.id);
          delivered += 1;
          logger.info('ticket delivered to helpdesk', { ticket: row.ticket_id });
        } catch (error) {
          const backoff = Math.min(settings.maxBackoffMs, settings.baseBackoffMs * 2 ** row.attempts);
          db.prepare('UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?, last_error = ? WHERE id = ?')
            .run(new Date(now() + backoff).toISOString(), String((error as Error).message), row.id);
          logger.warn('helpdesk delivery failed; will retry', { ticket: row.ticket_id, attempt: row.attempts + 1, retryInMs: backoff });
        }
      }
    return delivered;
  };

  const timer = setInterval(() => { void drain(); }, settings.intervalMs);
  timer.unref();
  void drain();
  return { drain, stop: () => clearInterval(timer) };
}
