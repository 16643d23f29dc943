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

export const OUTBOX_DEFAULTS = Object.freeze({ intervalMs: 2000, maxBackoffMs: 5 * 60_000, baseBackoffMs: 1000, timeoutMs: 10_000 });

export function startOutboxWorker(
  db: Db, webhookUrl: string, logger: Logger,
  options: Partial<typeof OUTBOX_DEFAULTS> & { now?: () => number } = {},
): OutboxWorker {
  const settings = { ...OUTBOX_DEFAULTS, ...options };
  const now = options.now ?? Date.now;
  let running = false;

  const drain = async (): Promise<number> => {
    if (running) return 0; // one pass at a time: a slow helpdesk must not get the same ticket twice
    running = true;
    let delivered = 0;
    try {
      const due = db.prepare('SELECT id, ticket_id, payload, attempts FROM outbox WHERE delivered_at IS NULL AND next_attempt_at <= ? ORDER BY id')
        .all(new Date(now()).toISOString()) as OutboxRow[];
      for (const row of due) {
        try {
          const res = await fetch(webhookUrl, {
            method: 'POST', headers: { 'content-type': 'application/json' }, body: row.payload,
            signal: AbortSignal.timeout(settings.timeoutMs),
          });
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
    } finally {
      running = false;
    }
    return delivered;
  };

  const timer = setInterval(() => { void drain(); }, settings.intervalMs);
  timer.unref();
  void drain();
  return { drain, stop: () => clearInterval(timer) };
}
