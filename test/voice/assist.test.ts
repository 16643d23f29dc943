/** Agent assist: the closest passages with read-aloud scripts, the flow the caller's words suggest, behind a token. */
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
    ['来电者问怎么修改收货地址', 'zh-CN', '5'],
    ['他问公司被收购后个人信息怎么处理', 'zh-CN', '3#2'],
  ])('"%s" puts %s on top with a script to read', async (text, locale, id) => {
    const res = await ask({ text, locale });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { passages: { id: string; script: string; score: number }[]; fallback: boolean };
    expect(body.passages[0]?.id).toBe(id);
    expect(body.passages.length).toBeLessThanOrEqual(3);
    expect(body.passages[0]?.script.length).toBeGreaterThan(20);
  });

  it('names the flow a caller needs', async () => {
    const body = (await (await ask({ text: 'my account was hacked and someone changed my password', locale: 'en-US' })).json()) as { flow: string };
    expect(body.flow).toBe('leakReport');
  });

  it('says when the policy does not answer', async () => {
    const body = (await (await ask({ text: 'where is my parcel', locale: 'en-US' })).json()) as { fallback: boolean };
    expect(body.fallback).toBe(true);
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
