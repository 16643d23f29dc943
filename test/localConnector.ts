/**
 * A local Bot Framework connector for tests: the HTTP server that real
 * channels (Azure Direct Line, Teams, Telephony) run behind `serviceUrl`.
 * Without `expectReplies` the bot POSTs each reply to
 * `/v3/conversations/:conversationId/activities[/:replyToId]`; this records
 * them so a test can read what a user of that channel would see.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Activity } from 'botbuilder';

export interface LocalConnector {
  /** Base URL to use as the activity's `serviceUrl`. */
  readonly serviceUrl: string;
  /** Every activity received, in arrival order. */
  readonly received: Partial<Activity>[];
  /** Requests whose path was not a connector route (a test can assert there were none). */
  readonly strayRequests: string[];
  /** Activities received for one conversation since `from` (an index into `received`). */
  repliesFor(conversationId: string, from?: number): Partial<Activity>[];
  close(): Promise<void>;
}

const ACTIVITY_ROUTE = /^\/v3\/conversations\/([^/]+)\/activities(?:\/([^/]+))?$/;

export async function startLocalConnector(options: { respondAfterMs?: number } = {}): Promise<LocalConnector> {
  const received: Partial<Activity>[] = [];
  const strayRequests: string[] = [];
  let counter = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const match = ACTIVITY_ROUTE.exec(new URL(req.url ?? '/', 'http://x').pathname);
      if (req.method !== 'POST' || !match) {
        strayRequests.push(`${req.method} ${req.url}`);
        res.statusCode = 404;
        res.end();
        return;
      }
      const activity = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Partial<Activity>;
      received.push({ ...activity, conversation: activity.conversation ?? ({ id: decodeURIComponent(match[1]!) } as Activity['conversation']) });
      counter += 1;
      const reply = (): void => {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ id: `sent-${counter}` }));
      };
      if (options.respondAfterMs) setTimeout(reply, options.respondAfterMs);
      else reply();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    serviceUrl: `http://127.0.0.1:${port}/`,
    received,
    strayRequests,
    repliesFor: (conversationId, from = 0) => received.slice(from).filter((a) => a.conversation?.id === conversationId),
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
