/**
 * The desk over HTTP: sign-in, the queue, a ticket, a live conversation,
 * Improve and the dashboard. Pages need a session cookie; every change (POST)
 * needs the session's CSRF token in the X-CSRF-Token header, and sign-in needs
 * the double-submit token its form was served with. A desk session opens only
 * /desk routes: the tickets and assist APIs keep their bearer tokens.
 */
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type restify from 'restify';
import type { I18n } from '../i18n/i18n.js';
import { isLocale, type Locale } from '../i18n/locale.js';
import type { KnowledgeBase } from '../knowledge/knowledgeBase.js';
import { FLOW_NAMES } from '../knowledge/decide.js';
import type { FailureLockout } from '../bot/rateLimit.js';
import type { SqlStore } from '../storage/sql.js';
import { TICKET_STATUSES, type TicketStatus } from '../tickets/ticket.js';
import type { TicketStore } from '../tickets/TicketStore.js';
import { firstIdAt } from '../storage/ids.js';
import { CSRF_HEADER, LOGIN_CSRF_COOKIE, SESSION_COOKIE, cookie, cookiesOf, sameToken, type DeskAuth, type DeskSession } from './auth.js';
import type { TicketAudit } from './audit.js';
import { DeskConflict, DeskNotDelivered, type LiveDesk } from './live.js';
import { buildQueue, type QueueFilter } from './queue.js';
import { addSuggestion, improveGroups, readSuggestions, reviewSuggestion, targetProblem } from './improve.js';
import { dashboardPage, improvePage, liveList, livePage, loginPage, queuePage, ticketPage, transcriptHtml, type DashboardData, type ViewContext } from './views.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const STATIC_DIR = HERE.split(path.sep).includes('dist') ? path.resolve(HERE, '../../desk/static') : path.resolve(HERE, 'static');

const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'content-security-policy': "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

export interface DeskRouteDeps {
  readonly db: SqlStore;
  readonly auth: DeskAuth;
  readonly audit: TicketAudit;
  readonly live: LiveDesk;
  readonly tickets: TicketStore;
  readonly kb: KnowledgeBase;
  readonly i18n: I18n;
  readonly timeZone: string;
  readonly trainingDir: string;
  /** Cookies marked Secure (the public URL is https). */
  readonly secure: boolean;
  readonly lockout: FailureLockout;
  readonly clientOf: (req: restify.Request) => string;
}

export function registerDeskRoutes(server: restify.Server, deps: DeskRouteDeps): void {
  const { auth, audit, live, tickets, i18n } = deps;
  const langOf = (req: restify.Request): Locale => {
    const l = (req.query as { lang?: string } | undefined)?.lang;
    return isLocale(l) ? l : 'en-US';
  };
  const view = (req: restify.Request, session?: DeskSession): ViewContext => {
    const lang = langOf(req);
    return { t: i18n.getFixedT(lang, 'desk'), lang, timeZone: deps.timeZone, now: Date.now(),
      ...(session ? { agent: session.agent, csrf: session.csrf } : {}) };
  };
  const html = (res: restify.Response, body: string, status = 200, extra: Record<string, string | string[]> = {}): void => {
    res.writeHead(status, { ...PAGE_HEADERS, ...extra });
    res.end(body);
  };
  const fail = (res: restify.Response, status: number, code: string, message: string): void => {
    res.send(status, { error: { code, message } });
  };
  const toSignIn = (req: restify.Request, res: restify.Response): void => {
    res.writeHead(303, { location: langOf(req) === 'en-US' ? '/desk' : `/desk?lang=${langOf(req)}`, 'cache-control': 'no-store' });
    res.end();
  };

  /** A page: the session, or a redirect to sign-in. */
  const page = async (req: restify.Request, res: restify.Response): Promise<DeskSession | undefined> => {
    const session = await auth.session(req);
    if (!session) toSignIn(req, res);
    return session;
  };
  /** A change: the session and its CSRF token, or 401/403. */
  const change = async (req: restify.Request, res: restify.Response): Promise<DeskSession | undefined> => {
    const session = await auth.session(req);
    if (!session) { fail(res, 401, 'unauthorized', 'Sign in at /desk.'); return undefined; }
    if (!sameToken(req.header(CSRF_HEADER), session.csrf)) { fail(res, 403, 'csrf', 'A valid CSRF token is required.'); return undefined; }
    return session;
  };
  const body = (req: restify.Request): Record<string, unknown> => (req.body && typeof req.body === 'object' ? req.body as Record<string, unknown> : {});
  const text = (v: unknown, max: number): string => (typeof v === 'string' ? v.trim().slice(0, max) : '');

  server.get('/desk/static/:file', async (req, res) => {
    const file = String(req.params.file);
    const type = file === 'desk.js' ? 'application/javascript' : file === 'desk.css' ? 'text/css' : undefined;
    if (!type) return fail(res, 404, 'not_found', 'No such file.');
    res.writeHead(200, { 'content-type': `${type}; charset=utf-8`, 'cache-control': 'no-cache', 'x-content-type-options': 'nosniff' });
    res.end(fs.readFileSync(path.join(STATIC_DIR, file)));
  });

  server.get('/desk', async (req, res) => {
    const session = await auth.session(req);
    if (!session) {
      // The sign-in form's double-submit token: a cookie only this site can set, echoed in a header.
      const token = randomBytes(24).toString('base64url');
      const v = { ...view(req), csrf: token };
      return html(res, loginPage(v), 200, { 'set-cookie': cookie(LOGIN_CSRF_COOKIE, token, { secure: deps.secure, maxAgeSeconds: 3600 }) });
    }
    const q = req.query as { q?: string; kind?: string; status?: string; overdue?: string } | undefined;
    const filter: QueueFilter = {
      ...(q?.q ? { q: String(q.q).slice(0, 20) } : {}),
      ...(q?.kind ? { kind: String(q.kind) } : {}),
      ...(q?.status && (q.status === 'active' || TICKET_STATUSES.includes(q.status as TicketStatus)) ? { status: q.status as TicketStatus } : {}),
      ...(q?.overdue ? { overdueOnly: true } : {}),
    };
    const items = buildQueue(await tickets.list({ limit: 5000 }), filter);
    html(res, queuePage(view(req, session), items, await live.list(), filter, [...FLOW_NAMES, 'callback']));
  });

  server.post('/desk/login', async (req, res) => {
    const client = deps.clientOf(req);
    const lockedFor = deps.lockout.lockedFor(client);
    if (lockedFor > 0) {
      res.header('retry-after', String(lockedFor));
      return fail(res, 429, 'locked_out', `Too many failed sign-ins; try again in ${lockedFor} s.`);
    }
    if (!sameToken(req.header(CSRF_HEADER), cookiesOf(req).get(LOGIN_CSRF_COOKIE))) return fail(res, 403, 'csrf', 'Reload the sign-in page and try again.');
    const b = body(req);
    const agent = await auth.signIn(text(b.name, 40), typeof b.password === 'string' ? b.password.slice(0, 200) : '');
    if (!agent) {
      deps.lockout.failure(client);
      return fail(res, 401, 'sign_in_failed', 'The name or password is not right.');
    }
    deps.lockout.success(client);
    const s = await auth.createSession(agent);
    res.header('set-cookie', [cookie(SESSION_COOKIE, s.token, { secure: deps.secure, maxAgeSeconds: s.maxAgeSeconds }),
      cookie(LOGIN_CSRF_COOKIE, '', { secure: deps.secure, maxAgeSeconds: 0 })]);
    res.send(200, { agent, csrf: s.csrf });
  });

  server.post('/desk/logout', async (req, res) => {
    if (!(await change(req, res))) return;
    await auth.endSession(req);
    res.header('set-cookie', cookie(SESSION_COOKIE, '', { secure: deps.secure, maxAgeSeconds: 0 }));
    res.send(200, { ok: true });
  });

  server.get('/desk/tickets/:id', async (req, res) => {
    const session = await page(req, res);
    if (!session) return;
    const ticket = await tickets.get(String(req.params.id));
    const v = view(req, session);
    if (!ticket) return html(res, `<p>${v.t('ticket.notFound')}</p>`, 404);
    html(res, ticketPage(v, ticket, await live.transcript(ticket.conversationId), await audit.trail(ticket.id)));
  });

  server.post('/desk/api/tickets/:id/status', async (req, res) => {
    const session = await change(req, res);
    if (!session) return;
    const b = body(req);
    if (!TICKET_STATUSES.includes(b.status as TicketStatus)) return fail(res, 400, 'bad_status', `status must be one of ${TICKET_STATUSES.join(', ')}`);
    const ok = await audit.changeStatus(String(req.params.id), b.status as TicketStatus, session.agent, text(b.note, 2000));
    if (!ok) return fail(res, 404, 'not_found', 'No such ticket.');
    res.send(200, { ticket: await tickets.get(String(req.params.id)), audit: await audit.trail(String(req.params.id)) });
  });

  server.get('/desk/fragments/live', async (req, res) => {
    const session = await auth.session(req);
    if (!session) return fail(res, 401, 'unauthorized', 'Sign in at /desk.');
    html(res, liveList(view(req, session), await live.list()));
  });

  server.get('/desk/live/:id', async (req, res) => {
    const session = await page(req, res);
    if (!session) return;
    const handoff = await live.get(String(req.params.id));
    if (!handoff) return html(res, 'Not found', 404);
    html(res, livePage(view(req, session), handoff, await live.transcript(handoff.conversationId)));
  });

  server.get('/desk/api/live/:id/transcript', async (req, res) => {
    const session = await auth.session(req);
    if (!session) return fail(res, 401, 'unauthorized', 'Sign in at /desk.');
    const handoff = await live.get(String(req.params.id));
    if (!handoff) return fail(res, 404, 'not_found', 'No such conversation.');
    const after = Number.parseInt(String((req.query as { after?: string } | undefined)?.after ?? '0'), 10);
    const lines = await live.transcript(handoff.conversationId, Number.isFinite(after) ? after : 0);
    const v = view(req, session);
    res.send(200, { status: handoff.status, statusText: v.t(`statuses.${handoff.status}`), agent: handoff.agent, lines, html: transcriptHtml(v, lines) });
  });

  const liveAction = (name: string, act: (id: string, agent: string, b: Record<string, unknown>) => Promise<unknown>): void => {
    server.post(`/desk/api/live/:id/${name}`, async (req, res) => {
      const session = await change(req, res);
      if (!session) return;
      try {
        await act(String(req.params.id), session.agent, body(req));
        res.send(200, { ok: true });
      } catch (error) {
        if (error instanceof DeskConflict) return fail(res, error.message === 'not_found' ? 404 : 409, error.message, 'The conversation is not in a state for that.');
        if (error instanceof DeskNotDelivered) return fail(res, 502, 'not_delivered', "The user's channel could not be reached: they did not get it.");
        throw error;
      }
    });
  };
  liveAction('take', (id, agent) => live.take(id, agent));
  liveAction('say', async (id, agent, b) => {
    const said = text(b.text, 2000);
    if (!said) throw new DeskConflict('empty');
    await live.say(id, agent, said);
  });
  liveAction('handback', (id, agent) => live.handBack(id, agent));

  server.get('/desk/improve', async (req, res) => {
    const session = await page(req, res);
    if (!session) return;
    const targets = [...new Set(deps.kb.locales.flatMap((l) => deps.kb.document(l).passages.map((p) => p.id)))];
    html(res, improvePage(view(req, session), await improveGroups(deps.db), readSuggestions(deps.trainingDir),
      [...FLOW_NAMES.map((f) => `flow:${f}`), ...targets]));
  });

  server.post('/desk/api/improve/attach', async (req, res) => {
    const session = await change(req, res);
    if (!session) return;
    const b = body(req);
    const locale = b.locale;
    const said = text(b.text, 500);
    const target = text(b.target, 80);
    if (!isLocale(locale) || !said || !target) return fail(res, 400, 'bad_request', 'Send {"locale", "text", "target"}.');
    const problem = targetProblem(target, locale, deps.kb);
    if (problem) return fail(res, 400, 'bad_target', problem);
    res.send(200, { suggestion: addSuggestion(deps.trainingDir, { locale, text: said, target, by: session.agent }) });
  });

  server.post('/desk/api/improve/review', async (req, res) => {
    const session = await change(req, res);
    if (!session) return;
    const index = Number(body(req).index);
    const reviewed = Number.isInteger(index) ? reviewSuggestion(deps.trainingDir, index, session.agent) : undefined;
    if (!reviewed) return fail(res, 404, 'not_found', 'No pending suggestion at that index.');
    res.send(200, { suggestion: reviewed });
  });

  server.get('/desk/dashboard', async (req, res) => {
    const session = await page(req, res);
    if (!session) return;
    const v = view(req, session);
    html(res, dashboardPage(v, await dashboardData(deps, v.lang)));
  });
}

async function dashboardData(deps: DeskRouteDeps, lang: Locale): Promise<DashboardData> {
  const { db, kb } = deps;
  // The last 14 days of events, by their time-ordered key (storage/ids.ts).
  const since = firstIdAt(Date.now() - 14 * 86_400_000);
  const days = await db.all<{ day: string; kind: string; n: number }>(
    `SELECT substr(created_at, 1, 10) AS day, kind, COUNT(*) AS n FROM desk_events WHERE id >= ? AND kind IN ('answer', 'fallback')
     GROUP BY substr(created_at, 1, 10), kind ORDER BY day`, [since]);
  const perDay = [...new Set(days.map((d) => d.day))].map((day) => ({
    day,
    answers: Number(days.find((d) => d.day === day && d.kind === 'answer')?.n ?? 0),
    fallbacks: Number(days.find((d) => d.day === day && d.kind === 'fallback')?.n ?? 0),
  }));
  const top = await db.all<{ passage_id: string; locale: string; n: number }>(
    `SELECT passage_id, MIN(locale) AS locale, COUNT(*) AS n FROM desk_events WHERE kind = 'answer' AND passage_id IS NOT NULL
     GROUP BY passage_id ORDER BY COUNT(*) DESC LIMIT 10`);
  const byKind = await db.all<{ kind: string; n: number }>('SELECT kind, COUNT(*) AS n FROM tickets GROUP BY kind ORDER BY kind');
  const byStatus = await db.all<{ status: string; n: number }>('SELECT status, COUNT(*) AS n FROM tickets GROUP BY status ORDER BY status');
  return {
    perDay,
    topPassages: top.map((p) => ({ id: p.passage_id, title: kb.passage(p.passage_id, lang)?.title ?? kb.passage(p.passage_id, p.locale)?.title ?? '', count: Number(p.n) })),
    byKind: byKind.map((k) => ({ kind: k.kind, count: Number(k.n) })),
    byStatus: byStatus.map((s) => ({ status: s.status, count: Number(s.n) })),
  };
}
