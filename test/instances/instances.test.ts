/**
 * Several instances on one PostgreSQL, behind a round-robin proxy with no sticky sessions: robot users
 * complete the leak report in both languages with every turn going to the other instance than the
 * last, the helpdesk webhook receives each ticket exactly once, and a Direct Line message posted to
 * one instance is answered to a client polling the other. Needs TEST_DATABASE_URL.
 */
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, tempDataDir, type Reply, type TestApp } from '../support.js';
import { postgresKind, SKIPPED_NO_POSTGRES, TEST_DATABASE_URL, type StoreLocation } from '../storage/stores.js';

describe.skipIf(TEST_DATABASE_URL !== '')('two instances', () => {
  it(SKIPPED_NO_POSTGRES, () => { expect(TEST_DATABASE_URL).toBe(''); });
});

interface Proxy { url: string; servedBy: Map<string, string[]>; close(): Promise<void> }

/**
 * A tiny round-robin proxy. Bot messages alternate per conversation (each user's next turn always goes to
 * the other instance: the hardest case for an app without sticky sessions); everything else goes round robin.
 */
async function startProxy(targets: readonly string[]): Promise<Proxy> {
  const servedBy = new Map<string, string[]>();
  const nextFor = new Map<string, number>();
  let next = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      let index = next++ % targets.length;
      const conversationId = req.url === '/api/messages' ? (JSON.parse(body.toString() || '{}') as { conversation?: { id?: string } }).conversation?.id : undefined;
      if (conversationId) {
        index = (nextFor.get(conversationId) ?? 0) % targets.length;
        nextFor.set(conversationId, index + 1);
        servedBy.set(conversationId, [...(servedBy.get(conversationId) ?? []), String(index)]);
      }
      const target = new URL(req.url ?? '/', targets[index]);
      const headers = { ...req.headers, host: target.host };
      const upstream = http.request(target, { method: req.method, headers }, (up) => {
        res.writeHead(up.statusCode ?? 502, { ...up.headers, 'x-instance': String(index) });
        up.pipe(res);
      });
      upstream.on('error', () => { res.statusCode = 502; res.end(); });
      upstream.end(body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    servedBy,
    close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}

describe.runIf(TEST_DATABASE_URL !== '')('two instances on one PostgreSQL behind a round-robin proxy', () => {
  let loc: StoreLocation;
  let apps: TestApp[];
  let proxy: Proxy;
  let webhook: http.Server;
  const deliveries = new Map<string, number>();

  beforeAll(async () => {
    loc = postgresKind.location();
    webhook = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => { body += c; });
      req.on('end', () => {
        const id = (JSON.parse(body) as { ticket: { id: string } }).ticket.id;
        deliveries.set(id, (deliveries.get(id) ?? 0) + 1);
        res.statusCode = 204;
        res.end();
      });
    });
    await new Promise<void>((r) => webhook.listen(0, '127.0.0.1', () => r()));
    const env = {
      ...loc.env,
      HELPDESK_WEBHOOK_URL: `http://127.0.0.1:${(webhook.address() as { port: number }).port}/tickets`,
      DIRECT_LINE_TOKEN_SECRET: 'one-secret-for-every-instance-0123456789abcdef',
    };
    const first = await startTestApp(env, { dataDir: tempDataDir() });
    apps = [first, await startTestApp(env, { dataDir: tempDataDir() })];
    proxy = await startProxy(apps.map((a) => a.base));
  });

  afterAll(async () => {
    await proxy?.close();
    await Promise.all((apps ?? []).map((a) => a.close()));
    webhook?.close();
    await loc?.dispose();
  });

  const send = async (conversationId: string, user: string, text: string, locale: string): Promise<Reply[]> => {
    const res = await fetch(`${proxy.url}/api/messages`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        type: 'message', id: `${conversationId}-${Math.random().toString(36).slice(2)}`, text, locale, deliveryMode: 'expectReplies',
        channelId: 'test', serviceUrl: 'http://localhost/test', conversation: { id: conversationId },
        from: { id: user, name: 'Robot' }, recipient: { id: 'bot', name: 'Assistant' },
      }),
    });
    expect(res.status).toBe(200);
    return ((await res.json()) as { activities: Reply[] }).activities;
  };
  const step = (replies: Reply[]) => replies.filter((r) => r.type === 'message').at(-1)?.channelData?.assistant;

  const SCRIPTS = {
    'en-US': [
      ['Someone hacked my account and changed my password', 'when'],
      ['this morning', 'contact'],
      ['13812345678', 'confirm'],
      ['yes', undefined],
    ],
    'zh-CN': [
      ['我想报告信息泄露', 'whatLeaked'],
      ['2和6', 'howNoticed'],
      ['第二个', 'when'],
      ['昨天', 'contact'],
      ['幺三八 一二三四 五六七八', 'confirm'],
      ['对', undefined],
    ],
  } as const;

  it('robot users complete the leak report in both languages, turns alternating between instances, each ticket delivered once', async () => {
    const users = Array.from({ length: 12 }, (_, i) => ({ locale: i % 2 ? 'zh-CN' : 'en-US', id: `robot-${i}`, conversation: `robot-conv-${i}-${Date.now()}` } as const));
    const tickets = await Promise.all(users.map(async (u) => {
      let last: Reply[] = [];
      for (const [text, expected] of SCRIPTS[u.locale]) {
        last = await send(u.conversation, u.id, text, u.locale);
        if (expected) expect(step(last)?.step, `${u.id}: "${text}"`).toBe(expected);
      }
      return step(last)?.ticketId;
    }));
    expect(tickets.every((t) => /^LK-/.test(t ?? ''))).toBe(true);
    expect(new Set(tickets).size).toBe(users.length);
    for (const u of users) {
      const served = proxy.servedBy.get(u.conversation)!;
      expect(served.every((s, i) => s === String(i % 2))).toBe(true); // A, B, A, B, ...
    }
    const stored = await apps[1]!.app.assistant.tickets.list({ limit: 1000 });
    expect(stored.filter((t) => users.some((u) => u.conversation === t.conversationId))).toHaveLength(users.length);

    // Both instances run an outbox worker on the same table: every ticket reaches the webhook, once.
    for (let i = 0; i < 150 && deliveries.size < users.length; i++) await new Promise((r) => setTimeout(r, 100));
    await new Promise((r) => setTimeout(r, 2500)); // one more pass of both workers: nothing is sent again
    expect([...deliveries.keys()].sort()).toEqual([...tickets].sort());
    expect([...deliveries.values()].every((n) => n === 1)).toBe(true);
  }, 180_000);

  it('answers a Direct Line message posted to one instance to a client polling the other', async () => {
    const [a, b] = apps.map((x) => x.base) as [string, string];
    const post = async (base: string, path: string, token: string | undefined, body: unknown) => fetch(`${base}${path}`, {
      method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify(body),
    });
    const { token } = (await (await post(a, '/api/directline/token', undefined, { locale: 'en-US' })).json()) as { token: string };
    const started = await post(b, '/v3/directline/conversations', token, { locale: 'en-US' });
    expect([200, 201]).toContain(started.status);
    const { conversationId, token: convToken } = (await started.json()) as { conversationId: string; token: string };
    const sent = await post(a, `/v3/directline/conversations/${conversationId}/activities`, convToken,
      { type: 'message', text: 'How do you protect my information?', locale: 'en-US', from: { id: 'x' } });
    expect(sent.status).toBe(200);
    let answer: Reply | undefined;
    for (let i = 0; i < 100 && !answer; i++) {
      const res = await fetch(`${b}/v3/directline/conversations/${conversationId}/activities?watermark=0`, { headers: { authorization: `Bearer ${convToken}` } });
      const { activities } = (await res.json()) as { activities: Reply[] };
      answer = activities.find((x) => x.type === 'message' && x.from?.role === 'bot' && x.replyToId !== undefined);
      if (!answer) await new Promise((r) => setTimeout(r, 100));
    }
    expect(answer?.text).toBeTruthy();
  }, 60_000);
});
