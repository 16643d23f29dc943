/** The local Direct Line at the HTTP level: tokens are scoped to one conversation, transcripts resume. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDirectLine, startTestApp, type DirectLineSession, type TestApp } from '../support.js';

let app: TestApp;
beforeAll(async () => { app = await startTestApp(); });
afterAll(async () => { await app.close(); });

type Session = DirectLineSession;

const open = (locale = 'en-US'): Promise<Session> => openDirectLine(app, locale);

const activities = async (s: Session, conversationId = s.conversationId, watermark = '0') =>
  fetch(`${app.base}/v3/directline/conversations/${conversationId}/activities?watermark=${watermark}`, { headers: { authorization: `Bearer ${s.token}` } });

async function waitFor(s: Session, predicate: (acts: { type: string; text?: string; from: { id: string } }[]) => boolean) {
  for (let i = 0; i < 50; i++) {
    const body = (await (await activities(s)).json()) as { activities: { type: string; text?: string; from: { id: string } }[]; watermark: string };
    if (predicate(body.activities)) return body;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('timed out waiting for activities');
}

describe('local Direct Line', () => {
  it('welcomes a new conversation and answers a posted message, with the user text masked in the transcript', async () => {
    const s = await open();
    const post = await fetch(`${app.base}/v3/directline/conversations/${s.conversationId}/activities`, {
      method: 'POST', headers: { authorization: `Bearer ${s.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'message', text: 'Do you log my IP address? My phone is 13812345678', locale: 'en-US', from: { id: 'spoofed' } }),
    });
    expect(post.status).toBe(200);
    const body = await waitFor(s, (acts) => acts.some((a) => a.from.id !== s.userId && /IP address/.test(a.text ?? '')));
    const mine = body.activities.find((a) => a.from.id === s.userId)!;
    expect(mine.text).not.toContain('13812345678');
    expect(body.activities[0]?.text).toMatch(/privacy assistant/);
    expect(body.activities.some((a) => a.type === 'typing')).toBe(true);
    // Reading again from a watermark returns only what is newer.
    const later = (await (await activities(s, s.conversationId, body.watermark)).json()) as { activities: unknown[] };
    expect(later.activities).toHaveLength(0);
  });

  it('welcomes in the locale bound to the token when Web Chat starts the conversation without one, and again on a switch', async () => {
    const s = await open('zh-CN');
    const welcome = await waitFor(s, (acts) => acts.some((a) => a.type === 'message'));
    const first = welcome.activities.find((a) => a.type === 'message') as { text?: string; locale?: string; suggestedActions?: { actions: { title: string }[] } };
    expect(first.locale).toBe('zh-CN');
    expect(first.text).toMatch(/\p{Script=Han}/u);
    expect(first.suggestedActions?.actions[0]?.title).toMatch(/\p{Script=Han}/u);
    // The page's language switch posts an event in the new locale: the welcome and menu come again in English.
    const post = await fetch(`${app.base}/v3/directline/conversations/${s.conversationId}/activities`, {
      method: 'POST', headers: { authorization: `Bearer ${s.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'event', name: 'webchat/localeChanged', value: 'en-US', locale: 'en-US' }),
    });
    expect(post.status).toBe(200);
    const after = await waitFor(s, (acts) => acts.filter((a) => a.type === 'message' && a.from.id !== s.userId).length >= 2);
    const second = after.activities.filter((a) => a.type === 'message').at(-1) as { text?: string; locale?: string; suggestedActions?: { actions: { title: string }[] } };
    expect(second.locale).toBe('en-US');
    expect(second.text).toMatch(/privacy assistant/);
    expect(second.suggestedActions?.actions.length).toBeGreaterThan(0);
  });

  it("refuses conversation A's token for conversation B's activities", async () => {
    const a = await open();
    const b = await open();
    expect((await activities(a, b.conversationId)).status).toBe(403);
    const post = await fetch(`${app.base}/v3/directline/conversations/${b.conversationId}/activities`, {
      method: 'POST', headers: { authorization: `Bearer ${a.token}`, 'content-type': 'application/json' }, body: JSON.stringify({ type: 'message', text: 'hi' }),
    });
    expect(post.status).toBe(403);
  });

  it('refuses a forged or missing token', async () => {
    const s = await open();
    const forged = `${s.token.split('.')[0]}.AAAA`;
    expect((await fetch(`${app.base}/v3/directline/conversations/${s.conversationId}/activities`, { headers: { authorization: `Bearer ${forged}` } })).status).toBe(403);
    expect((await fetch(`${app.base}/v3/directline/conversations/${s.conversationId}/activities`)).status).toBe(403);
  });

  it('resumes a stored conversation and refreshes its token', async () => {
    const s = await open();
    const resume = await fetch(`${app.base}/v3/directline/conversations/${s.conversationId}?watermark=0`, { headers: { authorization: `Bearer ${s.token}` } });
    expect(resume.status).toBe(200);
    const refreshed = (await (await fetch(`${app.base}/v3/directline/tokens/refresh`, { method: 'POST', headers: { authorization: `Bearer ${s.token}` } })).json()) as { token: string; conversationId: string };
    expect(refreshed.conversationId).toBe(s.conversationId);
    expect((await activities({ ...s, token: refreshed.token })).status).toBe(200);
  });

  it('answers a malformed activity with 400', async () => {
    const s = await open();
    const res = await fetch(`${app.base}/v3/directline/conversations/${s.conversationId}/activities`, {
      method: 'POST', headers: { authorization: `Bearer ${s.token}`, 'content-type': 'application/json' }, body: JSON.stringify({ text: 42 }),
    });
    expect(res.status).toBe(400);
    // A locale or name that is not text was accepted, and the turn failed with the apology.
    for (const bad of [{ locale: { a: 1 } }, { name: ['x'] }, { attachments: 'x' }]) {
      const refused = await fetch(`${app.base}/v3/directline/conversations/${s.conversationId}/activities`, {
        method: 'POST', headers: { authorization: `Bearer ${s.token}`, 'content-type': 'application/json' }, body: JSON.stringify({ type: 'message', text: 'hi', ...bad }),
      });
      expect(refused.status, JSON.stringify(bad)).toBe(400);
    }
  });

  it('serves the policy viewer with an anchor per passage and the update date', async () => {
    const html = await (await fetch(`${app.base}/policy?lang=zh-CN`)).text();
    expect(html).toContain('id="1.2.3"');
    expect(html).toContain('id="3#2"');
    // The date once, in Chinese form (the policy's own date line is not repeated under it).
    expect(html).toContain('2022年8月23日');
    expect(html.match(/2022/g)).toHaveLength(1);
    expect(html).toContain('lang="zh-CN"');
    const en = await (await fetch(`${app.base}/policy`)).text();
    expect(en.match(/2022-08-23/g)).toHaveLength(1);
  });
});

describe('page weight', () => {
  it('serves Web Chat compressed, under a versioned URL cached for a year, with a favicon and user ids Web Chat accepts', async () => {
    const html = await (await fetch(`${app.base}/`)).text();
    const src = /<script src="(\/webchat\/webchat\.js\?v=[^"]+)"/.exec(html)?.[1];
    expect(src).toBeDefined();
    let res: Response | undefined;
    // Compressed once in the background at start: wait for it.
    for (let i = 0; i < 100; i++) {
      res = await fetch(`${app.base}${src}`, { headers: { 'accept-encoding': 'br, gzip' } });
      if (res.headers.get('content-encoding') === 'br') break;
      await res.arrayBuffer();
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(res!.headers.get('content-encoding')).toBe('br');
    expect(res!.headers.get('cache-control')).toMatch(/immutable/);
    const compressed = Number(res!.headers.get('content-length'));
    await res!.arrayBuffer();
    const plain = await fetch(`${app.base}${src}`, { headers: { 'accept-encoding': 'identity' } });
    const plainLength = Number(plain.headers.get('content-length'));
    await plain.arrayBuffer();
    console.log(`webchat.js: ${plainLength} B plain, ${compressed} B brotli`);
    expect(compressed).toBeLessThan(plainLength / 3);
    const gz = await fetch(`${app.base}${src}`, { headers: { 'accept-encoding': 'gzip' } });
    expect(gz.headers.get('content-encoding')).toBe('gzip');
    await gz.arrayBuffer();
    const icon = await fetch(`${app.base}/favicon.ico`);
    expect(icon.status).toBe(200);
    expect(icon.headers.get('content-type')).toMatch(/image\//);
    const token = (await (await fetch(`${app.base}/api/directline/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).json()) as { userId: string };
    expect(token.userId).toMatch(/^u_/);
  }, 60_000);
});

describe('production Direct Line', () => {
  it('exchanges the configured secret for a conversation token server-side, never returning the secret', async () => {
    const http = await import('node:http');
    const seen: { auth?: string; body?: string }[] = [];
    const azure = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => { body += c; });
      req.on('end', () => {
        seen.push({ auth: req.headers.authorization, body });
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ conversationId: 'azure-conv-1', token: 'azure-token', expires_in: 1800 }));
      });
    });
    await new Promise<void>((r) => azure.listen(0, '127.0.0.1', () => r()));
    const endpoint = `http://127.0.0.1:${(azure.address() as { port: number }).port}/v3/directline`;
    const prod = await startTestApp({ DIRECT_LINE_SECRET: 'very-secret', DIRECT_LINE_ENDPOINT: endpoint });
    try {
      const res = await fetch(`${prod.base}/api/directline/token`, {
        method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ userId: 'app-user-42', locale: 'zh-CN' }),
      });
      const text = await res.text();
      expect(res.status).toBe(200);
      expect(text).not.toContain('very-secret');
      expect(JSON.parse(text)).toMatchObject({ token: 'azure-token', conversationId: 'azure-conv-1', userId: 'app-user-42', domain: endpoint });
      expect(seen[0]?.auth).toBe('Bearer very-secret');
      expect(JSON.parse(seen[0]!.body!)).toMatchObject({ user: { id: 'app-user-42' } });
    } finally {
      await prod.close();
      azure.close();
    }
  });
});
