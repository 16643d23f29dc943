/**
 * The HTTP app: restify with the Bot Framework endpoint and health check, built
 * from injected parts so tests run the whole server without a fixed port.
 */
import restify from 'restify';
import type { Activity, InvokeResponse, TurnContext } from 'botbuilder';
import type { AuthenticateRequestResult } from 'botframework-connector';
import { createAssistant, type Assistant, type AssistantParts } from './createAssistant.js';
import { activityBodyProblems, fixActivity } from './validateActivityBody.js';
import { DEFAULT_MAX_BODY_BYTES, jsonBodyParser } from './jsonBody.js';
import {
  createClientAddress, createFailureLockout, createRateLimiter, parseTrustedProxies, sendRateLimited,
  type ApiAuth, type RouteLimits,
} from './rateLimit.js';
import { mayReplyTo } from './replyDestination.js';
import { registerTicketRoutes } from '../tickets/routes.js';
import { registerAssistRoutes } from '../assist/routes.js';
import { registerPages } from '../web/pages.js';
import { registerDirectLineRoutes } from '../web/directline/routes.js';
import { DirectLineStore } from '../web/directline/store.js';
import { createTokenSigner, loadOrCreateSecret } from '../web/directline/tokens.js';
import { attachDesk, type Desk } from '../desk/index.js';

export interface App {
  readonly server: restify.Server;
  readonly assistant: Assistant;
  /** The customer-service desk (/desk, /metrics, live handoff). */
  readonly desk: Desk;
  listen(port?: number): Promise<string>;
  close(): Promise<void>;
}

/** Options for tests: a clock for the rate limits (simulated minutes without waiting for them). */
export interface AppOptions {
  readonly now?: () => number;
}

/** The shape of a local Direct Line conversation id: `randomUUID()` (web/directline/routes.ts, the token route). */
const LOCAL_DIRECT_LINE_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

type ProcessActivity = (auth: AuthenticateRequestResult, activity: Activity, logic: (context: TurnContext) => Promise<void>) => Promise<InvokeResponse | undefined>;

export function createApp(parts: AssistantParts, options: AppOptions = {}): App {
  const assistant = createAssistant(parts);
  const { config, logger, adapterParts, bot } = assistant;
  const log = logger.child('http');
  const clock = options.now ?? Date.now;
  const server = restify.createServer({ name: 'buygogo-privacy-assistant', handleUncaughtExceptions: false });
  // Every route reads a query parameter as one string. qs would make `?lang=a&lang=b` an array and `?lang[x]=a`
  // an object (a 500 in the policy page's locale lookup): a repeated parameter keeps its first value, and
  // brackets and dots are part of the name, so every value is a string.
  // (`duplicates` is qs's own option, passed through by restify; its type here predates it.)
  const queryOptions = { depth: 0, duplicates: 'first', parseArrays: false, allowDots: false };
  server.use(restify.plugins.queryParser(queryOptions));
  // Our own reader, not restify's bodyParser: JSON only (415 otherwise), inflated bytes capped (413), no multipart.
  // APIs that are off answer 404 without reading anything.
  const off = (req: restify.Request): boolean =>
    (!config.assistApiToken && req.path() === '/api/assist') || (!config.ticketsApiToken && req.path().startsWith('/api/tickets'));
  server.use(jsonBodyParser(DEFAULT_MAX_BODY_BYTES, (req) => !off(req)));

  const clientOf = createClientAddress(parseTrustedProxies(config.trustedProxies));
  const limits: RouteLimits = {
    // Per conversation and per user (and per address where the activity's identity is only the caller's word).
    messages: createRateLimiter(config.rateLimitPerMinute, { now: clock }),
    // Direct Line reads, per conversation token: polling never spends the message budget.
    polls: createRateLimiter(config.directLinePollsPerMinute, { now: clock }),
    // Where nothing better identifies the caller: Direct Line token requests, bad Direct Line tokens.
    clients: createRateLimiter(config.rateLimitPerMinute, { now: clock }),
  };
  // Without an app id nothing vouches for an activity's ids: a client address also has a (wider) budget of its own.
  const unverifiedAddresses = createRateLimiter(config.rateLimitPerMinute * 10, { now: clock });
  // An address that keeps sending refused requests (bad tokens, bad bodies) is held off before any work.
  const refusals = createFailureLockout({ maxFailures: config.rateLimitPerMinute, windowMs: 60_000, lockMs: 60_000, maxLockMs: 15 * 60_000, now: clock });
  // Repeated bad tokens on the tickets and assist APIs lock the address out, for longer each time.
  const apiAuth: ApiAuth = { lockout: createFailureLockout({ maxFailures: 10, windowMs: 15 * 60_000, lockMs: 60_000, now: clock }), clientOf };
  const directLineStore = new DirectLineStore(assistant.db);
  // The SDK's process() would authenticate again and print a stack trace for any failure: run the turn with our result.
  const adapter = adapterParts.adapter as unknown as { processActivity: ProcessActivity };
  const processActivity: ProcessActivity = (auth, activity, logic) => adapter.processActivity.call(adapterParts.adapter, auth, activity, logic);

  server.post('/api/messages', async (req, res) => {
    const client = clientOf(req);
    const lockedFor = refusals.lockedFor(client);
    if (lockedFor > 0) return sendRateLimited(res, lockedFor);
    const refuse = (status: number, code: string, message: string): void => {
      refusals.failure(client);
      res.send(status, { error: { code, message } });
    };
    const authHeader = req.header('authorization') ?? '';
    // With an app id, a request without any token is refused here: the SDK would only log a stack trace first.
    if (config.microsoftAppId && !authHeader) return refuse(401, 'unauthorized', 'A Bot Framework token is required.');
    const problems = activityBodyProblems(req.body);
    if (problems.length > 0) return refuse(400, 'bad_activity', problems.join('; '));
    const activity = fixActivity(req.body as Activity);

    let auth: AuthenticateRequestResult;
    try {
      auth = await adapterParts.auth.authenticateRequest(activity, authHeader);
    } catch (error) {
      // Forged, expired or unverifiable (metadata unreachable): all the caller learns is 401.
      log.warn('authentication failed', { reason: error instanceof Error ? error.name : 'unknown' });
      return refuse(401, 'unauthorized', 'The Bot Framework token is not valid.');
    }
    // A local web conversation is driven only through its Direct Line token, never from here. Its id is always a
    // random UUID (web/directline/routes.ts): an id of any other shape (every other channel's) is not looked up.
    if (LOCAL_DIRECT_LINE_ID.test(activity.conversation.id) && await directLineStore.exists(activity.conversation.id)) {
      return refuse(403, 'forbidden', 'This conversation belongs to the local Direct Line; post to it with its token.');
    }
    // Replies to anywhere but a trusted serviceUrl would make this server a proxy (SSRF): refused before any work.
    if (activity.deliveryMode !== 'expectReplies' && !mayReplyTo(activity.serviceUrl, config)) {
      return refuse(403, 'service_url_not_allowed', 'Replies can only be delivered to a trusted serviceUrl (TRUSTED_SERVICE_URLS).');
    }
    const channel = activity.channelId ?? '';
    const keys = [`conversation:${channel}:${activity.conversation.id}`];
    if (activity.from?.id) keys.push(`user:${channel}:${activity.from.id}`);
    const decision = limits.messages.take(keys);
    if (!decision.ok) return sendRateLimited(res, decision.retryAfterSeconds);
    // Without an app id nothing vouches for those ids (fresh ones cost nothing): the address counts as well.
    if (!config.microsoftAppId) {
      const byAddress = unverifiedAddresses.take([`address:${client}`]);
      if (!byAddress.ok) return sendRateLimited(res, byAddress.retryAfterSeconds);
    }

    try {
      const invokeResponse = await processActivity(auth, activity, (context) => bot.run(context));
      // An invoke nobody handles gets an empty 200 (channels retry or show errors on 501).
      if (activity.type === 'invoke' && (invokeResponse?.status ?? 501) === 501) {
        res.send(200);
        return;
      }
      if (invokeResponse?.body !== undefined) res.send(invokeResponse.status ?? 200, invokeResponse.body);
      else res.send(invokeResponse?.status ?? 200);
    } catch (error) {
      log.error('request failed', { error });
      if (!res.headersSent) res.send(500, { error: { code: 'internal', message: 'Something went wrong.' } });
    }
  });

  server.get('/healthz', async (_req, res) => {
    const store = await assistant.storeHealth();
    res.send(store.ok ? 200 : 503, { status: store.ok ? 'ok' : 'store unavailable', store, locales: assistant.kb.locales, passages: assistant.kb.document('en-US').passages.length });
  });

  registerTicketRoutes(server, assistant.tickets, config.ticketsApiToken, apiAuth);
  registerAssistRoutes(server, assistant.kb, assistant.i18n, config.assistApiToken, apiAuth);
  registerPages(server, assistant.kb, assistant.i18n);
  registerDirectLineRoutes(server, {
    assistant, config, logger: logger.child('directline'), limits, clientOf,
    signer: createTokenSigner(loadOrCreateSecret(config.directLineTokenSecret, config.dataDir)),
    store: directLineStore,
    // The public address is configured (PUBLIC_URL), never taken from the Host header.
    publicUrl: () => config.publicUrl || `http://localhost:${(server.address() as { port?: number } | null)?.port ?? config.port}`,
  });

  const desk = attachDesk(server, assistant);

  // restify answers malformed JSON with its own 400 (InvalidContent); make sure nothing escapes as a crash.
  // A failure of ours is logged whole and answered with nothing of its detail (restify would send the error's
  // message, e.g. "TypeError: t.startsWith is not a function"), in the same shape as every other error here.
  server.on('restifyError', (req, res, err, callback) => {
    if ((err.statusCode ?? 500) >= 500) {
      log.error('route error', { error: err, path: req.path() });
      // Answered here: restify then sees the response sent and sends nothing of its own.
      if (!res.headersSent) res.send(err.statusCode ?? 500, { error: { code: 'internal', message: 'Something went wrong on our side; please try again.' } });
    }
    return callback();
  });

  return {
    server,
    assistant,
    desk,
    // The store first: a database that cannot be reached or migrated stops the start with its own message.
    listen: async (port = config.port) => {
      await assistant.ready;
      await desk.ready;
      return new Promise((resolve) => server.listen(port, '0.0.0.0', () => resolve(`http://localhost:${(server.address() as { port: number }).port}`)));
    },
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      desk.close();
      await assistant.close();
    },
  };
}

export type { Activity };
