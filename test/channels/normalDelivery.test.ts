/**
 * Normal delivery, as Azure Direct Line, Teams and Telephony use it: no
 * expectReplies; the bot POSTs each reply to the activity's serviceUrl (here a
 * local connector). The flows run this way too (test/flows); these cases cover
 * what only this mode can get wrong.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, userMessage, conversation, metaOf, messagesOf, type TestApp } from '../support.js';
import { startLocalConnector } from '../localConnector.js';

let app: TestApp;
beforeAll(async () => { app = await startTestApp({}, { delivery: 'normal' }); });
afterAll(async () => { await app.close(); });

describe('replies POSTed to serviceUrl', () => {
  it('answers a question on the directline channel with the contract metadata and no apology', async () => {
    const replies = await app.send(userMessage('Do you log my IP address?', { locale: 'en-US', channelId: 'directline' }));
    const meta = metaOf(replies)!;
    expect(meta.kind).toBe('answer');
    expect(meta.citations?.[0]?.id).toBe('1.2.1');
    expect(messagesOf(replies)[0]?.speak).toContain('<speak');
    expect(messagesOf(replies).some((m) => /something went wrong/i.test(m.text ?? ''))).toBe(false);
    // Dialog-state traces carry a flow's draft: they never leave the server outside the Emulator.
    expect(replies.filter((r) => r.type === 'trace')).toHaveLength(0);
  });

  it('saves conversation state between turns, so a flow advances', async () => {
    const chat = conversation(app, { locale: 'en-US', channelId: 'msteams' });
    const first = await chat.say('I want to report a data leak');
    expect(metaOf(first)).toMatchObject({ kind: 'flow', flow: 'leakReport' });
    const second = await chat.say('my password');
    expect(messagesOf(second).at(-1)?.channelData?.assistant?.step).not.toBe(messagesOf(first).at(-1)?.channelData?.assistant?.step);
  });
});

describe('where replies may go', () => {
  it('refuses, with 403 and no reply sent, a serviceUrl that is not trusted when there is no app id', async () => {
    const res = await fetch(`${app.base}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...userMessage('hello', { locale: 'en-US' }), serviceUrl: 'http://169.254.169.254/latest/' }),
    });
    expect(res.status).toBe(403);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('service_url_not_allowed');
  });

  it('gives up on a channel that never answers, within the reply timeout', async () => {
    const silent = await startLocalConnector({ respondAfterMs: 60_000 });
    const slowApp = await startTestApp({ REPLY_TIMEOUT_MS: '500' }, { delivery: 'expectReplies' });
    try {
      const started = Date.now();
      const res = await fetch(`${slowApp.base}/api/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ ...userMessage('Do you log my IP address?', { locale: 'en-US' }), serviceUrl: silent.serviceUrl }),
      });
      expect(res.status).toBeLessThan(600);
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(silent.received.length).toBeGreaterThan(0);
    } finally {
      await slowApp.close();
      await silent.close();
    }
  });
});
