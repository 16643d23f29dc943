/**
 * The customer-service queue over HTTP: list, show and update tickets.
 * Off (404) unless a bearer token is configured; every request needs it.
 */
import { timingSafeEqual } from 'node:crypto';
import type restify from 'restify';
import { TICKET_STATUSES, type TicketStatus } from './ticket.js';
import type { TicketStore } from './TicketStore.js';

export function bearerMatches(header: string | undefined, token: string): boolean {
  const given = Buffer.from((header ?? '').replace(/^Bearer\s+/i, ''));
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export function registerTicketRoutes(server: restify.Server, store: TicketStore, token: string): void {
  const guard = (req: restify.Request, res: restify.Response): boolean => {
    if (!token) { res.send(404, { error: { code: 'not_found', message: 'The tickets API is not enabled.' } }); return false; }
    if (!bearerMatches(req.header('authorization'), token)) {
      res.send(401, { error: { code: 'unauthorized', message: 'A valid bearer token is required.' } });
      return false;
    }
    return true;
  };

  server.get('/api/tickets', async (req, res) => {
    if (!guard(req, res)) return;
    const status = (req.query as { status?: string }).status;
    if (status !== undefined && !TICKET_STATUSES.includes(status as TicketStatus)) {
      res.send(400, { error: { code: 'bad_status', message: `status must be one of ${TICKET_STATUSES.join(', ')}` } });
      return;
    }
    res.send(200, { tickets: await store.list(status ? { status: status as TicketStatus } : {}) });
  });

  server.get('/api/tickets/:id', async (req, res) => {
    if (!guard(req, res)) return;
    const ticket = await store.get(String(req.params.id));
    if (!ticket) { res.send(404, { error: { code: 'not_found', message: 'No such ticket.' } }); return; }
    res.send(200, ticket);
  });

  server.patch('/api/tickets/:id', async (req, res) => {
    if (!guard(req, res)) return;
    const body = req.body as { status?: unknown } | undefined;
    if (!body || typeof body !== 'object' || !TICKET_STATUSES.includes(body.status as TicketStatus)) {
      res.send(400, { error: { code: 'bad_request', message: `Send JSON {"status": one of ${TICKET_STATUSES.join(', ')}}` } });
      return;
    }
    const ticket = (await store.get(String(req.params.id))) && (await store.setStatus(String(req.params.id), body.status as TicketStatus));
    if (!ticket) { res.send(404, { error: { code: 'not_found', message: 'No such ticket.' } }); return; }
    res.send(200, ticket);
  });
}
