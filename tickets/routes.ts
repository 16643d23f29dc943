/**
 * The customer-service queue over HTTP: list, show and update tickets.
 * Off (404) unless a bearer token is configured; every request needs it.
 */
import { timingSafeEqual } from 'node:crypto';
import type restify from 'restify';
import { TICKET_STATUSES, type TicketStatus } from './ticket.js';
import type { TicketStore } from './TicketStore.js';
import type { ApiAuth } from '../bot/rateLimit.js';

/** Whether the header is exactly `Bearer <token>` (a bare token without the scheme is refused). */
export function bearerMatches(header: string | undefined, token: string): boolean {
  const match = /^Bearer +(\S+)$/i.exec(header ?? '');
  const given = Buffer.from(match?.[1] ?? '');
  const expected = Buffer.from(token);
  return match !== null && given.length === expected.length && timingSafeEqual(given, expected);
}

/**
 * Checks the bearer token; with `auth`, an address that sent too many bad tokens is refused (429,
 * Retry-After) even with the right one until its lockout ends. Sends the refusal itself; true: go on.
 */
export function checkBearer(req: restify.Request, res: restify.Response, token: string, auth?: ApiAuth): boolean {
  const client = auth?.clientOf(req);
  const lockedFor = client !== undefined ? auth!.lockout.lockedFor(client) : 0;
  if (lockedFor > 0) {
    res.header('retry-after', String(lockedFor));
    res.send(429, { error: { code: 'locked_out', message: `Too many bad tokens; try again in ${lockedFor} s.` } });
    return false;
  }
  if (!bearerMatches(req.header('authorization'), token)) {
    if (client !== undefined) auth!.lockout.failure(client);
    res.send(401, { error: { code: 'unauthorized', message: 'A valid bearer token is required.' } });
    return false;
  }
  if (client !== undefined) auth!.lockout.success(client);
  return true;
}

export function registerTicketRoutes(server: restify.Server, store: TicketStore, token: string, auth?: ApiAuth): void {
  const guard = (req: restify.Request, res: restify.Response): boolean => {
    if (!token) { res.send(404, { error: { code: 'not_found', message: 'The tickets API is not enabled.' } }); return false; }
    return checkBearer(req, res, token, auth);
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
