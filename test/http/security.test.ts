/**
 * The HTTP edge against an attacker: forged tokens get 401 and nothing
 * internal, bearer APIs want "Bearer" and lock out guessers, local Direct Line
 * conversations are driven through their token only, pages carry a CSP, and the
 * Host header never becomes a link.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { activity, postJson, rawRequest, startHttpApp, type HttpApp } from './httpSupport.js';

const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
const forgedJwt = (appId: string) => [
  b64({ alg: 'RS256', kid: 'forged-key-id', typ: 'JWT', x5t: 'forged-key-id' }),
  b64({ iss: 'https://api.botframework.com', aud: appId, exp: Math.floor(Date.now() / 1000) + 3600, nbf: Math.floor(Date.now() / 1000) - 60, serviceurl: 'https://smba.trafficmanager.net/teams/' }),
  Buffer.from('not a real signature at all').toString('base64url'),
].join('.');

describe('Bot Framework tokens', () => {
  let h: HttpApp;
  beforeAll(async () => { h = await startHttpApp({ MicrosoftAppId: '11111111-2222-3333-4444-555555555555', MicrosoftAppPassword: 'x', RATE_LIMIT_PER_MINUTE: '1000' }); });
  afterAll(async () => { await h.close(); });

  it('answers a forged but well-formed JWT with 401, no internal text and no stack trace', async () => {
    const errors = vi.spyOn(console, 'error');
    try {
      for (const header of [`Bearer ${forgedJwt(h.config.microsoftAppId)}`, 'Bearer abc.def.ghi', 'Basic Zm9vOmJhcg==']) {
        const res = await postJson(h.base, '/api/messages', { ...activity('hi'), serviceUrl: 'https://smba.trafficmanager.net/teams/' }, { authorization: header });
        const body = (await res.json()) as { error: { code: string; message: string } };
        expect(res.status, header).toBe(401);
        expect(body.error.code).toBe('unauthorized');
        expect(body.error.message).not.toMatch(/Error|stack|\bat\b|metadata|openid|ECONN|ENOTFOUND|fetch|key/i);
      }
      expect(errors).not.toHaveBeenCalled();
    } finally {
      errors.mockRestore();
    }
  }, 30_000);

  it('holds off an address that keeps sending bad tokens', async () => {
    const lockedOut = await startHttpApp({ MicrosoftAppId: '11111111-2222-3333-4444-555555555555', MicrosoftAppPassword: 'x', RATE_LIMIT_PER_MINUTE: '3' });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) statuses.push((await postJson(lockedOut.base, '/api/messages', activity('hi'), { authorization: 'Bearer abc.def.ghi' })).status);
      expect(statuses).toEqual([401, 401, 401, 429, 429]);
    } finally {
      await lockedOut.close();
    }
  }, 30_000);
});

describe('the edge in local mode', () => {
  let h: HttpApp;
  beforeAll(async () => {
    h = await startHttpApp({ RATE_LIMIT_PER_MINUTE: '100000', TICKETS_API_TOKEN: 'tickets-secret-token', ASSIST_API_TOKEN: 'assist-secret-token' });
  });
  afterAll(async () => { await h.close(); });

  const openDirectLine = async (headers: Record<string, string> = {}) => {
    const s = (await (await postJson(h.base, '/api/directline/token', {}, headers)).json()) as { token: string; conversationId: string; domain: string };
    expect((await fetch(`${h.base}/v3/directline/conversations`, { method: 'POST', headers: { authorization: `Bearer ${s.token}` } })).status).toBe(201);
    return s;
  };

  it("refuses (403) an /api/messages activity in a local Direct Line conversation, whatever channel it claims", async () => {
    const s = await openDirectLine();
    for (const channelId of ['webchat', 'directline', 'emulator']) {
      const res = await postJson(h.base, '/api/messages', activity('report a leak', { conversationId: s.conversationId, channelId }));
      expect(res.status, channelId).toBe(403);
    }
    // Other conversations are not affected.
    expect((await postJson(h.base, '/api/messages', activity('help', { channelId: 'webchat' }))).status).toBe(200);
  });

  it('answers an invoke nobody handles with an empty 200, not 501', async () => {
    const res = await postJson(h.base, '/api/messages', { ...activity(''), type: 'invoke', name: 'some/unknownInvoke', value: {}, deliveryMode: undefined });
    expect(res.status).toBe(200);
  });

  it('answers a failure of its own with 500 and nothing of the error (logged whole, masked as every log line)', async () => {
    // A route that fails the way a bug would: a TypeError thrown inside an async handler.
    h.app.server.get('/test/fails', async () => { throw new TypeError('t.startsWith is not a function (call me at 13812345678)'); });
    const res = await fetch(`${h.base}/test/fails`);
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(JSON.parse(text)).toEqual({ error: { code: 'internal', message: expect.any(String) } });
    expect(text).not.toMatch(/TypeError|startsWith|1381234/);
    const logged = h.logLines.filter((l) => l.includes('route error')).join('\n');
    expect(logged).toContain('startsWith');
    expect(logged).not.toContain('13812345678');
  });

  it('reads a repeated or bracketed query parameter as one value (the first), never answering 500', async () => {
    const bearer = { authorization: 'Bearer tickets-secret-token' };
    const policy = async (query: string) => {
      const res = await fetch(`${h.base}/policy?${query}`);
      return { status: res.status, lang: /<html lang="([^"]+)"/.exec(await res.text())?.[1] };
    };
    expect(await policy('lang=zh-CN&lang=en-US')).toEqual({ status: 200, lang: 'zh-CN' });
    expect(await policy('lang[]=zh-CN')).toEqual({ status: 200, lang: 'en-US' });
    expect(await policy('lang[a]=zh-CN&lang[b]=x')).toEqual({ status: 200, lang: 'en-US' });
    expect((await fetch(`${h.base}/?lang=zh-CN&lang=zh-CN&v=1&v=2`)).status).toBe(200);
    expect((await fetch(`${h.base}/api/tickets?status=open&status=closed`, { headers: bearer })).status).toBe(200);
    expect((await fetch(`${h.base}/api/tickets?status[x]=open`, { headers: bearer })).status).toBe(200);
    const s = await openDirectLine();
    const poll = await fetch(`${h.base}/v3/directline/conversations/${s.conversationId}/activities?watermark=0&watermark=5`, { headers: { authorization: `Bearer ${s.token}` } });
    expect(poll.status).toBe(200);
  });

  it('refuses a bare API token without "Bearer" on the tickets and assist APIs', async () => {
    expect((await fetch(`${h.base}/api/tickets`, { headers: { authorization: 'tickets-secret-token' } })).status).toBe(401);
    expect((await fetch(`${h.base}/api/tickets`, { headers: { authorization: 'Bearer tickets-secret-token' } })).status).toBe(200);
    expect((await postJson(h.base, '/api/assist', { text: 'ip address' }, { authorization: 'assist-secret-token' })).status).toBe(401);
    expect((await postJson(h.base, '/api/assist', { text: 'ip address' }, { authorization: 'Bearer assist-secret-token' })).status).toBe(200);
  });

  it('locks out an address after repeated bad API tokens, even with the right one, and says for how long', async () => {
    const guesser = await startHttpApp({ TICKETS_API_TOKEN: 'tickets-secret-token', ASSIST_API_TOKEN: 'assist-secret-token' });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 10; i++) statuses.push((await fetch(`${guesser.base}/api/tickets`, { headers: { authorization: `Bearer guess-${i}` } })).status);
      expect(statuses).toEqual(Array(10).fill(401));
      const right = await fetch(`${guesser.base}/api/tickets`, { headers: { authorization: 'Bearer tickets-secret-token' } });
      expect(right.status).toBe(429);
      expect(Number(right.headers.get('retry-after'))).toBeGreaterThan(0);
      // The lockout covers the assist API too.
      expect((await postJson(guesser.base, '/api/assist', { text: 'ip' }, { authorization: 'Bearer assist-secret-token' })).status).toBe(429);
    } finally {
      await guesser.close();
    }
  });

  it('serves /agent with a CSP that allows only its own nonce-tagged script, and no referrer', async () => {
    const res = await fetch(`${h.base}/agent`);
    const csp = res.headers.get('content-security-policy') ?? '';
    const html = await res.text();
    const nonce = /'nonce-([^']+)'/.exec(csp)?.[1];
    expect(nonce).toBeTruthy();
    expect(csp).toMatch(/default-src 'none'/);
    expect(csp).not.toMatch(/unsafe-eval|script-src[^;]*unsafe-inline/);
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    const scripts = html.match(/<script[^>]*>/g) ?? [];
    expect(scripts.length).toBeGreaterThan(0);
    for (const tag of scripts) expect(tag).toContain(`nonce="${nonce}"`);
    const again = await fetch(`${h.base}/agent`);
    expect(again.headers.get('content-security-policy')).not.toContain(nonce!);
  });

  it("serves the page with a CSP without 'unsafe-eval'", async () => {
    const res = await fetch(`${h.base}/`);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toMatch(/script-src 'self'/);
    expect(csp).not.toContain('unsafe-eval');
  });

  it('never reflects the Host header into the Direct Line domain or citation links', async () => {
    const res = await rawRequest(h.base, 'POST', '/api/directline/token', { 'content-type': 'application/json', host: 'evil.example', 'content-length': '2' }, '{}');
    const s = JSON.parse(res.body) as { token: string; conversationId: string; domain: string };
    expect(s.domain).toBe(`http://localhost:${h.port}/v3/directline`);
    await fetch(`${h.base}/v3/directline/conversations`, { method: 'POST', headers: { authorization: `Bearer ${s.token}`, host: 'evil.example' } });
    const post = await rawRequest(h.base, 'POST', `/v3/directline/conversations/${s.conversationId}/activities`, {
      'content-type': 'application/json', host: 'evil.example', authorization: `Bearer ${s.token}`,
    }, JSON.stringify({ type: 'message', text: 'Do you log my IP address?', locale: 'en-US' }));
    expect(post.status).toBe(200);
    let texts = '';
    for (let i = 0; i < 100 && !/\/policy/.test(texts); i++) {
      await new Promise((r) => setTimeout(r, 50));
      const body = (await (await fetch(`${h.base}/v3/directline/conversations/${s.conversationId}/activities`, { headers: { authorization: `Bearer ${s.token}` } })).json()) as { activities: { text?: string }[] };
      texts = body.activities.map((a) => a.text ?? '').join('\n');
    }
    expect(texts).toContain(`http://localhost:${h.port}/policy`);
    expect(texts).not.toContain('evil.example');
  });

  it('uses PUBLIC_URL when it is configured', async () => {
    const configured = await startHttpApp({ PUBLIC_URL: 'https://help.buygogo.example/' });
    try {
      const s = (await (await postJson(configured.base, '/api/directline/token', {})).json()) as { domain: string };
      expect(s.domain).toBe('https://help.buygogo.example/v3/directline');
    } finally {
      await configured.close();
    }
  });
});
