/** Agent assist: the closest passages with their text and read-aloud scripts, the flow the caller's words suggest, behind a token. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support.js';

let app: TestApp;
beforeAll(async () => { app = await startTestApp({ ASSIST_API_TOKEN: 'agent-token' }); });
afterAll(async () => { await app.close(); });

const ask = (body: unknown, token = 'agent-token') => fetch(`${app.base}/api/assist`, {
  method: 'POST',
  headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
  body: JSON.stringify(body),
});

describe('POST /api/assist', () => {
  it.each([
    ['caller asks whether we know where they are', 'en-US', '1.2.2'],
    ['she wants to know if her IMEI is collected', 'en-US', '1.4'],
    ['来电者问在哪里修改自己的个人资料', 'zh-CN', '5'],
    ['他问公司被收购后个人信息怎么处理', 'zh-CN', '3#2'],
  ])('"%s" puts %s on top with a script to read', async (text, locale, id) => {
    const res = await ask({ text, locale });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { passages: { id: string; script: string; text: string; match: string }[]; fallback: boolean };
    expect(body.passages[0]?.id).toBe(id);
    expect(body.passages.length).toBeLessThanOrEqual(3);
    expect(body.passages[0]?.script.length).toBeGreaterThan(20);
    // The agent sees the policy's own words and a match in words, not a bare number.
    expect(body.passages[0]?.text.length).toBeGreaterThan(20);
    expect(body.passages[0]?.match).toBe('strong');
    for (const p of body.passages.slice(1)) expect(p.match).toBe('possible');
  });

  it('understands what the agent types in reported speech as the caller\'s own question', async () => {
    const body = (await (await ask({ text: 'caller asks if we sell her data', locale: 'en-US' })).json()) as { fallback: boolean; passages: { id: string; match: string; script: string | null }[] };
    expect(body.fallback).toBe(false);
    expect(body.passages[0]).toMatchObject({ id: '3#1', match: 'strong' });
    expect(body.passages[0]?.script).toBeTruthy();
  });

  it('names the flow a caller needs', async () => {
    const body = (await (await ask({ text: 'my account was hacked and someone changed my password', locale: 'en-US' })).json()) as { flow: string };
    expect(body.flow).toBe('leakReport');
  });

  it('says when the policy does not answer, and then offers no script to read', async () => {
    for (const [text, locale] of [['where is my parcel', 'en-US'], ['我的快递到哪了', 'zh-CN']]) {
      const body = (await (await ask({ text, locale })).json()) as { fallback: boolean; fallbackReason: string | null; passages: { script: string | null; text: string; match: string }[] };
      expect(body.fallback).toBe(true);
      expect(body.fallbackReason).toBe('notCovered'); // orders: a topic the assistant knows the policy leaves out
      for (const p of body.passages) {
        expect(p.script).toBeNull();
        expect(p.match).toBe('possible');
        expect(p.text.length).toBeGreaterThan(0);
      }
    }
  });

  it('tells "not covered" from "no reliable match" on a fallback, and says neither on an answer', async () => {
    const unplaced = (await (await ask({ text: 'zorbly wimbat frazzle quonk?', locale: 'en-US' })).json()) as { fallback: boolean; fallbackReason: string | null };
    expect(unplaced).toMatchObject({ fallback: true, fallbackReason: 'unsure' });
    const answered = (await (await ask({ text: 'caller asks if we sell her data', locale: 'en-US' })).json()) as { fallbackReason: string | null };
    expect(answered.fallbackReason).toBeNull();
  });

  it('refuses a missing token with 401 and a malformed body with 400', async () => {
    expect((await ask({ text: 'hello' }, '')).status).toBe(401);
    expect((await ask({ nothing: true })).status).toBe(400);
  });

  it('serves the agent page', async () => {
    const res = await fetch(`${app.base}/agent?lang=zh-CN`);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('lang="zh-CN"');
    expect(html).toContain('复制话术');
    // Confidence in words from agent.json, no raw "Match 0.63".
    expect(html).toContain('高度匹配');
    expect(html).toContain('可能相关');
    expect(html).not.toContain('匹配度');
    expect(html).toContain('政策原文');
    // The token sits compact in the header, and a wrong one shows in a visible alert above the results.
    expect(html.indexOf('id="token"')).toBeLessThan(html.indexOf('</header>'));
    expect(html).toMatch(/<div id="error" class="error" role="alert" hidden>/);
    expect(html).toContain('访问令牌缺失或错误');
    const en = await (await fetch(`${app.base}/agent?lang=en-US`)).text();
    expect(en).toContain('Strong match');
    expect(en).toContain('Possible match');
    expect(en).not.toMatch(/score: "Match"/);
    expect(en).toContain('The access token is missing or wrong');
  });

  it('answers a wrong token with 401, which the page shows as its error', async () => {
    const res = await ask({ text: 'do you sell my data', locale: 'en-US' }, 'not-the-token');
    expect(res.status).toBe(401);
  });

  it('is off (404) without a configured token', async () => {
    const plain = await startTestApp();
    try {
      expect((await fetch(`${plain.base}/api/assist`, { method: 'POST', body: '{}' })).status).toBe(404);
      expect((await fetch(`${plain.base}/agent`)).status).toBe(404);
    } finally {
      await plain.close();
    }
  });
});
