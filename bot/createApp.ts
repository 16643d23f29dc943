/**
 * The HTTP app: restify with the Bot Framework endpoint and health check, built
 * from injected parts so tests run the whole server without a fixed port.
 */
import restify from 'restify';
import type { Activity } from 'botbuilder';
import { createAssistant, type Assistant, type AssistantParts } from './createAssistant.js';
import { activityBodyProblems } from './validateActivityBody.js';
import { createRateLimiter } from './rateLimit.js';
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

export function createApp(parts: AssistantParts): App {
  const assistant = createAssistant(parts);
  const { config, logger, adapterParts, bot } = assistant;
  const log = logger.child('http');
  const server = restify.createServer({ name: 'buygogo-privacy-assistant', handleUncaughtExceptions: false });
  server.use(restify.plugins.queryParser());
  server.use(restify.plugins.bodyParser({ mapParams: false, maxBodySize: 256 * 1024 }));

  const limiter = createRateLimiter(config.rateLimitPerMinute);
  const clientOf = (req: restify.Request): string => req.socket?.remoteAddress ?? 'unknown';

  server.post('/api/messages', async (req, res) => {
    if (!limiter.allow(clientOf(req))) {
      res.send(429, { error: { code: 'rate_limited', message: 'Too many requests; try again in a minute.' } });
      return;
    }
    // With an app id, a request without any token is refused here: the SDK would only log a stack trace first.
    if (config.microsoftAppId && !req.header('authorization')) {
      res.send(401, { error: { code: 'unauthorized', message: 'A Bot Framework token is required.' } });
      return;
    }
    const problems = activityBodyProblems(req.body);
    if (problems.length > 0) {
      res.send(400, { error: { code: 'bad_activity', message: problems.join('; ') } });
      return;
    }
    try {
      await adapterParts.adapter.process(req, res, (context) => bot.run(context));
    } catch (error) {
      log.error('request failed', { error });
      if (!res.headersSent) res.send(500, { error: { code: 'internal', message: 'Something went wrong.' } });
    }
  });

  server.get('/healthz', async (_req, res) => {
    const store = await assistant.storeHealth();
    res.send(store.ok ? 200 : 503, { status: store.ok ? 'ok' : 'store unavailable', store, locales: assistant.kb.locales, passages: assistant.kb.document('en-US').passages.length });
  });

  registerTicketRoutes(server, assistant.tickets, config.ticketsApiToken);
  registerAssistRoutes(server, assistant.kb, assistant.i18n, config.assistApiToken);
  registerPages(server, assistant.kb, assistant.i18n);
  registerDirectLineRoutes(server, {
    assistant, config, logger: logger.child('directline'), limiter,
    signer: createTokenSigner(loadOrCreateSecret(config.directLineTokenSecret, config.dataDir)),
    store: new DirectLineStore(assistant.db),
  });

  const desk = attachDesk(server, assistant);

  // restify answers malformed JSON with its own 400 (InvalidContent); make sure nothing escapes as a crash.
  server.on('restifyError', (req, res, err, callback) => {
    if ((err.statusCode ?? 500) >= 500) log.error('route error', { error: err, path: req.path() });
    return callback();
  });

  return {
    server,
    assistant,
    desk,
    listen: async (port = config.port) => {
      await desk.ready;
      return new Promise((resolve) => server.listen(port, '0.0.0.0', () => resolve(`http://localhost:${(server.address() as { port: number }).port}`)));
    },
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      desk.close();
      assistant.close();
    },
  };
}

export type { Activity };
