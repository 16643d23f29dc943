/**
 * A local helpdesk webhook for tests: records the id of every ticket POSTed
 * to it (with its Idempotency-Key and arrival time), after refusing the first
 * `failFirst` deliveries with 503 (a helpdesk that is down for a while).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface LocalHelpdesk {
  readonly url: string;
  /** Ticket ids received, in arrival order (a redelivery appears twice). */
  readonly received: string[];
  /** The same deliveries with their `Idempotency-Key` header and when they arrived (Date.now()). */
  readonly deliveries: { ticketId: string; idempotencyKey: string | undefined; at: number }[];
  close(): Promise<void>;
}

export async function startHelpdesk({ failFirst = 0 } = {}): Promise<LocalHelpdesk> {
  const received: string[] = [];
  const deliveries: LocalHelpdesk['deliveries'] = [];
  let failuresLeft = failFirst;
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => {
      if (failuresLeft-- > 0) { res.statusCode = 503; res.end(); return; }
      const ticketId = (JSON.parse(body) as { ticket: { id: string } }).ticket.id;
      received.push(ticketId);
      deliveries.push({ ticketId, idempotencyKey: req.headers['idempotency-key'] as string | undefined, at: Date.now() });
      res.statusCode = 204;
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/tickets`,
    received,
    deliveries,
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}
