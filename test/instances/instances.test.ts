/**
 * Several instances on one PostgreSQL, behind a round-robin proxy with no sticky sessions: robot users
 * complete the leak report in both languages with every turn going to the other instance than the
 * last, the helpdesk webhook receives each ticket exactly once, and a Direct Line message posted to
 * one instance is answered to a client polling the other. Needs TEST_DATABASE_URL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, tempDataDir, type Reply, type TestApp } from '../support.js';
import { startHelpdesk, type LocalHelpdesk } from '../helpdesk.js';
import { startRoundRobinProxy, type RoundRobinProxy } from '../proxy.js';
import { leakScript } from '../robots.js';
import { postgresKind, SKIPPED_NO_POSTGRES, TEST_DATABASE_URL, type StoreLocation } from '../storage/stores.js';

describe.skipIf(TEST_DATABASE_URL !== '')('two instances', () => {
  it(SKIPPED_NO_POSTGRES, () => { expect(TEST_DATABASE_URL).toBe(''); });
});

describe.runIf(TEST_DATABASE_URL !== '')('two instances on one PostgreSQL behind a round-robin proxy', () => {
  let loc: StoreLocation;
  let apps: TestApp[];
  let proxy: RoundRobinProxy;
  let helpdesk: LocalHelpdesk;

  beforeAll(async () => {
    loc = postgresKind.location();
    helpdesk = await startHelpdesk();
    const env = {
      ...loc.env,
      HELPDESK_WEBHOOK_URL: helpdesk.url,
      DIRECT_LINE_TOKEN_SECRET: 'one-secret-for-every-instance-0123456789abcdef',
    };
    const first = await startTestApp(env, { dataDir: tempDataDir() });
    apps = [first, await startTestApp(env, { dataDir: tempDataDir() })];
    proxy = await startRoundRobinProxy(apps.map((a) => a.base));
  });

  afterAll(async () => {
    await proxy?.close();
    await Promise.all((apps ?? []).map((a) => a.close()));
    await helpdesk?.close();
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

  it('robot users complete the leak report in both languages, turns alternating between instances, each ticket delivered once', async () => {
    const users = Array.from({ length: 12 }, (_, i) => ({ locale: i % 2 ? 'zh-CN' : 'en-US', id: `robot-${i}`, conversation: `robot-conv-${i}-${Date.now()}` } as const));
    const tickets = await Promise.all(users.map(async (u) => {
      let last: Reply[] = [];
      for (const [text, expected] of leakScript(u.locale).turns) {
        last = await send(u.conversation, u.id, text, u.locale);
        expect(step(last)?.step, `${u.id}: "${text}"`).toBe(expected);
      }
      return step(last)?.ticketId;
    }));
    expect(tickets.every((t) => /^LK-/.test(t ?? ''))).toBe(true);
    expect(new Set(tickets).size).toBe(users.length);
    for (const u of users) {
      const served = proxy.servedBy.get(u.conversation)!;
      expect(served.every((s, i) => s === i % 2)).toBe(true); // A, B, A, B, ...
    }
    const stored = await apps[1]!.app.assistant.tickets.list({ limit: 1000 });
    expect(stored.filter((t) => users.some((u) => u.conversation === t.conversationId))).toHaveLength(users.length);

    // Both instances run an outbox worker on the same table: every ticket reaches the webhook, once.
    for (let i = 0; i < 150 && helpdesk.received.length < users.length; i++) await new Promise((r) => setTimeout(r, 100));
    await new Promise((r) => setTimeout(r, 2500)); // one more pass of both workers: nothing is sent again
    expect([...helpdesk.received].sort()).toEqual([...tickets].sort()); // each once
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
