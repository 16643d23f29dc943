/**
 * Rate limits that fit each route: messages per conversation and per user,
 * Direct Line reads per token (polling never spends the message budget), the
 * client address only where nothing better exists, X-Forwarded-For only from
 * a trusted proxy, and no reset of everyone's window under address churn.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClientAddress, createFailureLockout, createRateLimiter, parseTrustedProxies } from '../../bot/rateLimit.js';
import { loadConfig, ConfigError } from '../../config/config.js';
import { activity, postJson, startHttpApp, type HttpApp } from './httpSupport.js';
import type restify from 'restify';

const fakeReq = (remoteAddress: string, xff?: string) =>
  ({ socket: { remoteAddress }, headers: xff === undefined ? {} : { 'x-forwarded-for': xff } }) as unknown as restify.Request;

describe('the limiter', () => {
  it('keeps a busy client limited while 10,000 fresh addresses arrive (least recently used go, not everyone)', () => {
    const limiter = createRateLimiter(5);
    for (let i = 0; i < 5; i++) expect(limiter.allow('busy', 1000)).toBe(true);
    expect(limiter.allow('busy', 1000)).toBe(false);
    for (let i = 0; i < 10_000; i++) limiter.allow(`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, 1001);
    expect(limiter.allow('busy', 1002)).toBe(false);
    // And memory stays bounded: past maxKeys the least recently used key goes.
    const small = createRateLimiter(5, { maxKeys: 100 });
    for (let i = 0; i < 1000; i++) small.allow(`k${i}`, 0);
    expect(small.size).toBe(100);
  });

  it('refills evenly and says how long to wait', () => {
    const limiter = createRateLimiter(60);
    for (let i = 0; i < 60; i++) limiter.take(['a'], 0);
    const refused = limiter.take(['a'], 0);
    expect(refused).toEqual({ ok: false, retryAfterSeconds: 1 });
    expect(limiter.take(['a'], 1000).ok).toBe(true);
    // Several keys are taken from together or not at all.
    const pair = createRateLimiter(1);
    expect(pair.take(['x', 'y'], 0).ok).toBe(true);
    expect(pair.take(['y', 'z'], 0).ok).toBe(false);
    expect(pair.take(['z'], 0).ok).toBe(true);
  });

  it('locks out after repeated failures, longer each time, and a success clears the count', () => {
    const lockout = createFailureLockout({ maxFailures: 3, lockMs: 1000 });
    lockout.failure('a', 0); lockout.failure('a', 0);
    lockout.success('a');
    lockout.failure('a', 0); lockout.failure('a', 0);
    expect(lockout.lockedFor('a', 0)).toBe(0);
    lockout.failure('a', 0);
    expect(lockout.lockedFor('a', 10)).toBe(1);
    expect(lockout.lockedFor('a', 1001)).toBe(0);
    for (let i = 0; i < 3; i++) lockout.failure('a', 1001);
    expect(lockout.lockedFor('a', 2500)).toBe(1); // 2 s this time
  });
});

describe('client address', () => {
  it('ignores X-Forwarded-For unless the peer is a trusted proxy, then takes the first untrusted hop from the right', () => {
    const none = createClientAddress(parseTrustedProxies(''));
    expect(none(fakeReq('203.0.113.9', '1.2.3.4'))).toBe('203.0.113.9');
    const trusted = createClientAddress(parseTrustedProxies('10.0.0.0/8, 127.0.0.1'));
    expect(trusted(fakeReq('::ffff:10.1.2.3', '198.51.100.7'))).toBe('198.51.100.7');
    // A client cannot choose its address by writing its own X-Forwarded-For in front.
    expect(trusted(fakeReq('10.1.2.3', '1.1.1.1, 198.51.100.7, 10.9.9.9'))).toBe('198.51.100.7');
    expect(trusted(fakeReq('203.0.113.9', '198.51.100.7'))).toBe('203.0.113.9');
    expect(trusted(fakeReq('127.0.0.1', 'garbage'))).toBe('127.0.0.1');
  });

  it('refuses a TRUSTED_PROXIES value that is not addresses', () => {
    expect(() => loadConfig({ TRUSTED_PROXIES: '10.0.0.0/8,proxy.local' })).toThrow(ConfigError);
    expect(loadConfig({ TRUSTED_PROXIES: '10.0.0.0/8, ::1' }).trustedProxies).toBe('10.0.0.0/8, ::1');
  });
});

describe('/api/messages limits', () => {
  let h: HttpApp;
  beforeAll(async () => { h = await startHttpApp({ RATE_LIMIT_PER_MINUTE: '3' }); });
  afterAll(async () => { await h.close(); });

  it('limits per user and per conversation, not per address: many users behind one address all get through', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) statuses.push((await postJson(h.base, '/api/messages', activity('help'))).status);
    expect(statuses).toEqual(Array(8).fill(200));
  });

  it('answers 429 with Retry-After to one user over budget, across conversations', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await postJson(h.base, '/api/messages', activity('help', { userId: 'busy-user' }))).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    const res = await postJson(h.base, '/api/messages', activity('help', { userId: 'busy-user' }));
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('answers 429 to one conversation over budget, whoever writes in it', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await postJson(h.base, '/api/messages', activity('help', { conversationId: 'busy-conversation' }))).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
  });
});

describe('Direct Line limits', () => {
  let now = Date.parse('2030-01-01T00:00:00Z');
  let h: HttpApp;
  // Production defaults: 120 messages a minute, 600 reads a minute per token.
  beforeAll(async () => { h = await startHttpApp({ RATE_LIMIT_PER_MINUTE: '', DIRECT_LINE_POLLS_PER_MINUTE: '' }, { now: () => now }); });
  afterAll(async () => { await h.close(); });

  const open = async () => {
    const s = (await (await postJson(h.base, '/api/directline/token', { locale: 'en-US' })).json()) as { token: string; conversationId: string; userId: string };
    expect((await fetch(`${h.base}/v3/directline/conversations`, { method: 'POST', headers: { authorization: `Bearer ${s.token}` } })).status).toBe(201);
    return s;
  };
  const poll = (s: { token: string; conversationId: string }, watermark = '0') =>
    fetch(`${h.base}/v3/directline/conversations/${s.conversationId}/activities?watermark=${watermark}`, { headers: { authorization: `Bearer ${s.token}` } });

  it('an idle page polling every 400 ms for 150 s still answers the next message', async () => {
    const s = await open();
    let watermark = '0';
    const statuses = new Map<number, number>();
    for (let t = 0; t < 150_000; t += 400) {
      now += 400;
      const res = await poll(s, watermark);
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      if (res.status === 200) watermark = ((await res.json()) as { watermark: string }).watermark;
    }
    expect([...statuses.keys()]).toEqual([200]);
    const sent = await fetch(`${h.base}/v3/directline/conversations/${s.conversationId}/activities`, {
      method: 'POST', headers: { authorization: `Bearer ${s.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'message', text: 'Do you log my IP address?', locale: 'en-US' }),
    });
    expect(sent.status).toBe(200);
    let answer: string | undefined;
    for (let i = 0; i < 100 && !answer; i++) {
      now += 400;
      const body = (await (await poll(s, watermark)).json()) as { activities: { from: { id: string }; type: string; text?: string }[] };
      answer = body.activities.find((a) => a.type === 'message' && a.from.id !== s.userId)?.text;
      if (!answer) await new Promise((r) => setTimeout(r, 30));
    }
    expect(answer).toMatch(/IP/);
  }, 60_000);

  it('polling never spends the message budget; reads have their own per-token budget', async () => {
    const s = await open();
    for (let i = 0; i < 200; i++) expect((await poll(s)).status).toBe(200); // more than 120 at one instant
    const post = () => fetch(`${h.base}/v3/directline/conversations/${s.conversationId}/activities`, {
      method: 'POST', headers: { authorization: `Bearer ${s.token}`, 'content-type': 'application/json' }, body: JSON.stringify({ type: 'typing' }),
    });
    expect((await post()).status).toBe(200);
    // Another token is not held back by this one's reads.
    const other = await open();
    for (let i = 0; i < 400; i++) await poll(s);
    const limited = await poll(s);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await poll(other)).status).toBe(200);
    // Its budget comes back with time.
    now += 2_000;
    expect((await poll(s)).status).toBe(200);
  }, 60_000);

  it('token requests are limited per client address, read through a trusted proxy only', async () => {
    const proxied = await startHttpApp({ RATE_LIMIT_PER_MINUTE: '2', TRUSTED_PROXIES: '127.0.0.1,::1' });
    const direct = await startHttpApp({ RATE_LIMIT_PER_MINUTE: '2' });
    try {
      const token = (app: HttpApp, xff: string) => postJson(app.base, '/api/directline/token', {}, { 'x-forwarded-for': xff });
      // Behind the trusted proxy, each real client has its own budget.
      expect([(await token(proxied, '198.51.100.1')).status, (await token(proxied, '198.51.100.1')).status, (await token(proxied, '198.51.100.1')).status]).toEqual([200, 200, 429]);
      expect((await token(proxied, '198.51.100.2')).status).toBe(200);
      // From anyone else the header is ignored: writing a fresh X-Forwarded-For buys nothing.
      expect([(await token(direct, '1.1.1.1')).status, (await token(direct, '2.2.2.2')).status, (await token(direct, '3.3.3.3')).status]).toEqual([200, 200, 429]);
    } finally {
      await proxied.close();
      await direct.close();
    }
  });
});
