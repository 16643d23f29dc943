/**
 * A tiny round-robin load balancer for tests with several instances, with no
 * sticky sessions. Bot messages alternate per conversation (each user's next
 * turn goes to the next instance after the last: the hardest case for an app
 * without sticky sessions); everything else goes round robin. An instance
 * that refuses the connection (killed, not restarted yet) is skipped, as a
 * load balancer's health check would: nothing reached it, so the request goes
 * to the next instance. A request an instance accepted and then died on gets
 * 502; the client retries, and the retry goes to the next (live) instance.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RoundRobinProxy {
  readonly url: string;
  /** Conversation id -> the index of the instance that took each of its bot messages, in order. */
  readonly servedBy: Map<string, number[]>;
  /** Requests each instance has accepted and not answered yet. */
  readonly inFlight: number[];
  close(): Promise<void>;
}

export async function startRoundRobinProxy(targets: readonly string[]): Promise<RoundRobinProxy> {
  const servedBy = new Map<string, number[]>();
  const nextFor = new Map<string, number>();
  const inFlight = targets.map(() => 0);
  let next = 0;

  const forward = (req: http.IncomingMessage, res: http.ServerResponse, body: Buffer, first: number, conversationId?: string): void => {
    let served = -1; // the instance that accepted the connection
    res.once('close', () => { if (served >= 0) inFlight[served]! -= 1; });
    const attempt = (tried: number): void => {
      const index = (first + tried) % targets.length;
      const target = new URL(req.url ?? '/', targets[index]);
      // A connection of its own (no keep-alive): "refused" then always means nothing reached the instance.
      const upstream = http.request(target, { method: req.method, headers: { ...req.headers, host: target.host }, agent: false }, (up) => {
        res.writeHead(up.statusCode ?? 502, { ...up.headers, 'x-instance': String(index) });
        up.pipe(res);
        up.on('error', () => res.destroy());
      });
      upstream.on('socket', (socket) => socket.once('connect', () => {
        served = index;
        inFlight[index]! += 1;
        if (conversationId) servedBy.set(conversationId, [...(servedBy.get(conversationId) ?? []), index]);
      }));
      upstream.on('error', () => {
        if (served < 0 && tried + 1 < targets.length) { attempt(tried + 1); return; } // refused: the next instance
        if (res.headersSent) res.destroy();
        else { res.statusCode = 502; res.end(); }
      });
      upstream.end(body);
    };
    attempt(0);
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      let conversationId: string | undefined;
      if (req.url === '/api/messages') {
        try { conversationId = (JSON.parse(body.toString() || '{}') as { conversation?: { id?: string } }).conversation?.id; } catch { /* the app answers 400 */ }
      }
      let first = next++ % targets.length;
      if (conversationId) {
        first = (nextFor.get(conversationId) ?? 0) % targets.length;
        nextFor.set(conversationId, first + 1);
      }
      forward(req, res, body, first, conversationId);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    servedBy,
    inFlight,
    close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}
