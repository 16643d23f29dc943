/**
 * Direct Line for the web page and the in-app widget.
 *
 * With DIRECT_LINE_SECRET set, POST /api/directline/token exchanges the secret
 * (which never leaves the server) for an Azure Direct Line conversation token.
 * Without it, this server is the Direct Line: the 3.0 endpoints that
 * botframework-directlinejs uses (polling), backed by the bot itself through
 * the same adapter pipeline as /api/messages. Tokens are scoped to one
 * conversation: a token can neither read nor post to another.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type restify from 'restify';
import type { Activity } from 'botbuilder';
import type { Assistant } from '../../bot/createAssistant.js';
import type { Config } from '../../config/config.js';
import { resolveLocale } from '../../i18n/locale.js';
import type { Logger } from '../../logging/logger.js';
import { sendRateLimited, type RouteLimits } from '../../bot/rateLimit.js';
import { activityFieldProblems } from '../../bot/validateActivityBody.js';
import { DirectLineStore } from './store.js';
import type { TokenClaims, TokenSigner } from './tokens.js';

/** An accepted message still unanswered after this long is taken to belong to an instance that died. */
const PENDING_AFTER_MS = 60_000;
const PENDING_CHECK_MS = 10_000;
const BOT = { id: 'buygogo-assistant', name: 'Buygogo', role: 'bot' };
const USER_ID = /^[A-Za-z0-9_-]{1,64}$/;

export interface DirectLineDeps {
  readonly assistant: Assistant;
  readonly config: Config;
  readonly logger: Logger;
  readonly signer: TokenSigner;
  readonly store: DirectLineStore;
  /** messages: per conversation and user; polls: reads per conversation token; clients: per address. */
  readonly limits: RouteLimits;
  readonly clientOf: (req: restify.Request) => string;
  /** This server's public origin (configured; never the request's Host header). */
  readonly publicUrl: () => string;
}

export function registerDirectLineRoutes(server: restify.Server, deps: DirectLineDeps): void {
  const { assistant, config, logger, signer, store, limits, clientOf, publicUrl } = deps;
  const turns = new Map<string, Promise<void>>();
  const bearer = (req: restify.Request): string | undefined => req.header('authorization')?.replace(/^Bearer\s+/i, '');
  const fail = (res: restify.Response, status: number, code: string, message: string): void => {
    res.send(status, { error: { code, message } });
  };
  /**
   * Claims of a valid token for this conversation; 403 otherwise (Direct Line's answer to a bad token).
   * Then the route's limit, per token: reads (polling) have their own budget, separate from messages.
   */
  const authorize = (req: restify.Request, res: restify.Response, conversationId?: string, budget: 'reads' | 'messages' = 'reads'): TokenClaims | undefined => {
    const claims = signer.verify(bearer(req));
    if (!claims || (conversationId !== undefined && claims.cid !== conversationId)) {
      // Bad tokens have nothing better to be counted by than the address.
      const decision = limits.clients.take([`address:${clientOf(req)}`]);
      if (!decision.ok) sendRateLimited(res, decision.retryAfterSeconds);
      else fail(res, 403, 'forbidden', 'The token is not valid for this conversation.');
      return undefined;
    }
    const decision = budget === 'reads'
      ? limits.polls.take([`directline:${claims.cid}`])
      : limits.messages.take([`conversation:webchat:${claims.cid}`, `user:webchat:${claims.uid}`]);
    if (!decision.ok) { sendRateLimited(res, decision.retryAfterSeconds); return undefined; }
    return claims;
  };

  /** Runs turns of one conversation one after another, so replies keep their order. */
  /** Runs a conversation's turns one after another; the promise settles (never rejects) when this one has run. */
  const enqueue = (conversationId: string, work: () => Promise<void>): Promise<void> => {
    const next = (turns.get(conversationId) ?? Promise.resolve()).then(work).catch((error: unknown) => {
      logger.error('direct line turn failed', { error });
    });
    turns.set(conversationId, next);
    void next.finally(() => { if (turns.get(conversationId) === next) turns.delete(conversationId); });
    return next;
  };

  /**
   * Citations link to the policy viewer with a relative URL (the bot cannot know its public address); Web
   * Chat treats relative links as in-message citations, so here they become absolute links to this server.
   */
  const absoluteLinks = (activity: Partial<Activity>, origin: string): Partial<Activity> =>
    typeof activity.text === 'string' ? { ...activity, text: activity.text.replace(/\]\(\/policy/g, `](${origin}/policy`) } : activity;

  const runTurn = async (claims: TokenClaims, inbound: Partial<Activity>, origin: string): Promise<void> => {
    const replies = await assistant.handleActivity({
      ...inbound,
      channelId: 'webchat',
      serviceUrl: 'http://localhost/directline',
      conversation: { id: claims.cid } as Activity['conversation'],
      from: { id: claims.uid, name: 'User', role: 'user' } as Activity['from'],
      recipient: BOT as Activity['recipient'],
    });
    const visible = replies.filter((r) => r.type !== 'trace');
    await store.append(claims.cid, visible.map((r) => ({ ...absoluteLinks(r, origin), from: BOT, timestamp: new Date(), replyToId: inbound.id })) as Partial<Activity>[]);
    if (inbound.id) await store.answered(claims.cid, inbound.id);
  };

  // A message accepted by an instance that died before answering it (crash, kill -9, restart) is answered by
  // whichever instance finds it first; the turn guard makes a second run of the same activity id a replay.
  const recovery = setInterval(() => {
    store.takePending(PENDING_AFTER_MS)
      .then((pending) => pending.forEach((p) => enqueue(p.conversationId,
        () => runTurn({ cid: p.conversationId, uid: p.userId } as TokenClaims, p.activity, publicUrl()))))
      .catch((error: unknown) => logger.warn('direct line recovery failed', { error }));
  }, PENDING_CHECK_MS);
  recovery.unref();
  server.server.on('close', () => clearInterval(recovery));

  server.post('/api/directline/token', async (req, res) => {
    // Nothing identifies the caller yet: the (proxy-aware) client address is all there is.
    const decision = limits.clients.take([`address:${clientOf(req)}`]);
    if (!decision.ok) return sendRateLimited(res, decision.retryAfterSeconds);
    const body = (req.body ?? {}) as { userId?: unknown; locale?: unknown };
    if (typeof body !== 'object' || (body.userId !== undefined && (typeof body.userId !== 'string' || !USER_ID.test(body.userId)))) {
      return fail(res, 400, 'bad_request', 'userId, when given, is 1-64 letters, digits, _ or -.');
    }
    const userId = typeof body.userId === 'string' ? body.userId : `u_${randomBytes(9).toString('base64url')}`;
    const locale = resolveLocale(typeof body.locale === 'string' ? body.locale : undefined);
    if (config.directLineSecret) {
      // Production: the secret stays here; the browser or app gets a token for one conversation.
      const azure = await fetch(`${config.directLineEndpoint}/tokens/generate`, {
        method: 'POST',
        headers: { authorization: `Bearer ${config.directLineSecret}`, 'content-type': 'application/json' },
        body: JSON.stringify({ user: { id: userId }, locale }),
      }).catch(() => undefined);
      if (!azure?.ok) return fail(res, 502, 'directline_unavailable', 'Could not get a Direct Line token.');
      const t = (await azure.json()) as { token: string; conversationId: string; expires_in: number };
      // (Not `return res.send(...)`: restify logs, in full, any value an async handler returns.)
      res.send(200, { token: t.token, conversationId: t.conversationId, expiresIn: t.expires_in, userId, locale, domain: config.directLineEndpoint });
      return;
    }
    const conversationId = randomUUID();
    // The locale rides in the token: Web Chat starts the conversation without one, and the welcome must match the page.
    const { token, expiresIn } = signer.issue(conversationId, userId, undefined, locale);
    res.send(200, { token, conversationId, expiresIn, userId, locale, domain: `${publicUrl()}/v3/directline` });
  });

  server.post('/v3/directline/conversations', async (req, res) => {
    const claims = authorize(req, res);
    if (!claims) return;
    const body = (req.body ?? {}) as { locale?: unknown };
    // Web Chat sends no locale here: the one bound to the token (from the page's token request) says welcome.
    const locale = typeof body.locale === 'string' ? body.locale : claims.loc;
    const isNew = !(await store.exists(claims.cid));
    if (isNew) {
      await store.create(claims.cid, claims.uid, locale);
      // Like Azure's Direct Line, a new conversation tells the bot the user joined: it says welcome. The answer
      // waits for the welcome, so it is the transcript's first activity even when a message follows at once
      // (stores that batch their commits would otherwise let that message in first).
      await enqueue(claims.cid, () => runTurn(claims, {
        type: 'conversationUpdate', id: randomUUID(), ...(locale ? { locale } : {}),
        membersAdded: [{ id: claims.uid, name: 'User' }, BOT] as Activity['membersAdded'],
      }, publicUrl()));
    }
    const { token, expiresIn } = signer.issue(claims.cid, claims.uid, undefined, claims.loc);
    res.send(isNew ? 201 : 200, { conversationId: claims.cid, token, expires_in: expiresIn });
  });

  // Resume after a reload: the stored conversation id and token.
  server.get('/v3/directline/conversations/:id', async (req, res) => {
    const claims = authorize(req, res, String(req.params.id));
    if (!claims) return;
    if (!(await store.exists(claims.cid))) return fail(res, 404, 'not_found', 'No such conversation.');
    const { token, expiresIn } = signer.issue(claims.cid, claims.uid, undefined, claims.loc);
    res.send(200, { conversationId: claims.cid, token, expires_in: expiresIn });
  });

  server.post('/v3/directline/conversations/:id/activities', async (req, res) => {
    const claims = authorize(req, res, String(req.params.id), 'messages');
    if (!claims) return;
    if (!(await store.exists(claims.cid))) return fail(res, 404, 'not_found', 'No such conversation.');
    const body = req.body as Partial<Activity> | undefined;
    const problems = activityFieldProblems(body);
    if (!body || problems.length > 0) return fail(res, 400, 'bad_activity', problems.join('; '));
    const inbound: Partial<Activity> = {
      type: body.type, text: body.text, locale: body.locale ?? claims.loc, value: body.value, name: body.name,
      channelData: body.channelData, attachments: body.attachments, timestamp: new Date(),
      from: { id: claims.uid, name: 'User', role: 'user' } as Activity['from'],
    };
    const [stored] = await store.append(claims.cid, [inbound], { pending: inbound.type === 'message' || inbound.type === 'event' });
    res.send(200, { id: stored!.id });
    if (inbound.type === 'message' || inbound.type === 'event') {
      // The user sees the assistant typing while the turn runs.
      await store.append(claims.cid, [{ type: 'typing', from: BOT as Activity['from'], timestamp: new Date() }]);
      void enqueue(claims.cid, () => runTurn(claims, { ...inbound, id: stored!.id }, publicUrl()));
    }
  });

  server.get('/v3/directline/conversations/:id/activities', async (req, res) => {
    const claims = authorize(req, res, String(req.params.id));
    if (!claims) return;
    if (!(await store.exists(claims.cid))) return fail(res, 404, 'not_found', 'No such conversation.');
    const watermark = Number.parseInt(String((req.query as { watermark?: string } | undefined)?.watermark ?? '0'), 10);
    res.send(200, await store.since(claims.cid, Number.isFinite(watermark) && watermark > 0 ? watermark : 0));
  });

  server.post('/v3/directline/tokens/refresh', async (req, res) => {
    const claims = authorize(req, res);
    if (!claims) return;
    const { token, expiresIn } = signer.issue(claims.cid, claims.uid, undefined, claims.loc);
    res.send(200, { token, conversationId: claims.cid, expires_in: expiresIn });
  });
}
