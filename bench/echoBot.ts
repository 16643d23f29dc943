/**
 * The baseline for `npm run load`: a plain Bot Framework echo bot (botbuilder
 * 4.23.3 CloudAdapter on restify 11, no authentication), replying with the
 * same text. Run as a child process by bench/load.ts; it tells the parent its
 * URL over IPC and answers `rss` / `cpu` questions the same way as the
 * project's child (bench/projectServer.ts).
 */
import restify from 'restify';
import { CloudAdapter, ConfigurationBotFrameworkAuthentication, type TurnContext } from 'botbuilder';
import { serveBenchChild } from './child.js';

const adapter = new CloudAdapter(new ConfigurationBotFrameworkAuthentication({}));
adapter.onTurnError = async (context: TurnContext, error: Error) => {
  process.stderr.write(`echo bot turn failed: ${error.message}\n`);
  await context.sendActivity('Sorry, something went wrong.');
};

const server = restify.createServer({ name: 'echo-bot', handleUncaughtExceptions: false });
server.use(restify.plugins.bodyParser());
server.post('/api/messages', async (req, res) => {
  await adapter.process(req, res, async (context) => {
    if (context.activity.type === 'message') await context.sendActivity(context.activity.text ?? '');
  });
});

server.listen(0, '127.0.0.1', () => {
  serveBenchChild(`http://127.0.0.1:${(server.address() as { port: number }).port}`, async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
});
