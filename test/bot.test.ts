/**
 * The bot over the real Bot Framework protocol: POST /api/messages through
 * CloudAdapter, replies returned with deliveryMode expectReplies.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { RootDialog } from '../dialogs/RootDialog.js';
import { XMLParser } from 'fast-xml-parser';
import { startTestApp, userMessage, conversation, metaOf, messagesOf, type TestApp } from './support.js';

let app: TestApp;
beforeAll(async () => { app = await startTestApp(); });
afterAll(async () => { await app.close(); });

const xml = new XMLParser({ ignoreAttributes: false });

describe('answers over /api/messages', () => {
  it('answers an English question with text, speak, a citation and the contract metadata', async () => {
    const replies = await app.send(userMessage('Can I switch off location tracking in the app?', { locale: 'en-US' }));
    const [reply] = messagesOf(replies);
    expect(reply?.text).toMatch(/location/i);
    expect(reply?.inputHint).toBeDefined();
    expect(reply?.locale).toBe('en-US');
    const meta = metaOf(replies)!;
    expect(meta.kind).toBe('answer');
    expect(meta.locale).toBe('en-US');
    expect(meta.citations?.[0]?.id).toBe('1.2.2');
    expect(meta.citations?.[0]?.title).toBeTruthy();
    const speak = xml.parse(reply!.speak!) as { speak?: { '@_xml:lang'?: string } };
    expect(speak.speak?.['@_xml:lang']).toBe('en-US');
    expect(reply?.suggestedActions?.actions.length).toBeGreaterThanOrEqual(2);
  });

  it('answers a Chinese question in Chinese from the Chinese text', async () => {
    const replies = await app.send(userMessage('你们会读取我手机的型号和运营商吗', { locale: 'zh-CN' }));
    const meta = metaOf(replies)!;
    expect(meta.kind).toBe('answer');
    expect(meta.locale).toBe('zh-CN');
    expect(meta.citations?.[0]?.id).toBe('1.2.3');
    expect(messagesOf(replies)[0]?.text).toMatch(/\p{Script=Han}/u);
    expect(messagesOf(replies)[0]?.speak).toContain('xml:lang="zh-CN"');
  });

  it('picks Chinese from the script when the activity has no locale', async () => {
    const replies = await app.send(userMessage('未成年人可以用百购吗'));
    expect(metaOf(replies)?.locale).toBe('zh-CN');
  });

  it('falls back honestly, citing nothing, when the policy does not cover the question', async () => {
    const replies = await app.send(userMessage('Can you recommend a good pair of running shoes?', { locale: 'en-US' }));
    const meta = metaOf(replies)!;
    expect(meta.kind).toBe('fallback');
    expect(meta.citations ?? []).toHaveLength(0);
    const titles = messagesOf(replies)[0]?.suggestedActions?.actions.map((a) => a.title) ?? [];
    expect(titles).toContain('Talk to a person');
  });

  it('says the policy does not cover a topic only when it knows; a message it cannot place gets "no reliable answer found"', async () => {
    const uncovered = await app.send(userMessage('How long do you keep my IP logs?', { locale: 'en-US' }));
    expect(metaOf(uncovered)?.kind).toBe('fallback');
    expect(messagesOf(uncovered)[0]?.text).toMatch(/doesn't cover that/);
    const unplaced = await app.send(userMessage('zorbly wimbat frazzle quonk?', { locale: 'en-US' }));
    expect(metaOf(unplaced)?.kind).toBe('fallback');
    expect(messagesOf(unplaced)[0]?.text).toMatch(/couldn't find a reliable answer/);
    expect(messagesOf(unplaced)[0]?.text).not.toMatch(/doesn't cover/);
    expect(messagesOf(unplaced)[0]?.speak).toMatch(/won.{1,6}t guess/);
    const unplacedZh = await app.send(userMessage('咕噜呱啦叽里吗？', { locale: 'zh-CN' }));
    expect(metaOf(unplacedZh)?.kind).toBe('fallback');
    expect(messagesOf(unplacedZh)[0]?.text).toContain('没有找到可靠的答案');
  });

  it('switches language within one conversation when the locale changes', async () => {
    const chat = conversation(app);
    expect(metaOf(await chat.say('How do you protect my data?', 'en-US'))?.locale).toBe('en-US');
    const zh = await chat.say('你们怎么保护我的信息安全', 'zh-CN');
    expect(metaOf(zh)?.locale).toBe('zh-CN');
    expect(messagesOf(zh)[0]?.text).toMatch(/\p{Script=Han}/u);
  });
});

describe('commands that work at any time', () => {
  it('help lists what the assistant does', async () => {
    const replies = await app.send(userMessage('help', { locale: 'en-US' }));
    expect(metaOf(replies)?.kind).toBe('help');
    expect(messagesOf(replies)[0]?.speak).toContain('<speak');
  });

  it('帮助 works in Chinese', async () => {
    const replies = await app.send(userMessage('帮助', { locale: 'zh-CN' }));
    expect(metaOf(replies)?.kind).toBe('help');
    expect(metaOf(replies)?.locale).toBe('zh-CN');
  });

  it('cancel with nothing running says so instead of answering from the policy', async () => {
    const replies = await app.send(userMessage('cancel', { locale: 'en-US' }));
    expect(metaOf(replies)?.kind).toBe('info');
    expect(metaOf(replies)?.citations).toBeUndefined();
  });

  it('"talk to a person" sends the standard handoff event', async () => {
    const replies = await app.send(userMessage('talk to a person', { locale: 'en-US' }));
    expect(metaOf(replies)?.kind).toBe('handoff');
    expect(replies.some((r) => r.type === 'event' && r.name === 'handoff.initiate')).toBe(true);
  });
});

describe('conversation start', () => {
  it('welcomes a user who joins', async () => {
    const replies = await app.send({
      type: 'conversationUpdate', channelId: 'test', serviceUrl: 'http://localhost/test', locale: 'zh-CN',
      conversation: { id: 'welcome-1' } as never, from: { id: 'user-1', name: 'User' }, recipient: { id: 'bot', name: 'Bot' },
      membersAdded: [{ id: 'user-1', name: 'User' }],
    });
    expect(metaOf(replies)?.kind).toBe('welcome');
    expect(metaOf(replies)?.locale).toBe('zh-CN');
  });

  it('GET /healthz reports the loaded knowledge base', async () => {
    const res = await fetch(`${app.base}/healthz`);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { locales: string[] }).locales).toEqual(expect.arrayContaining(['en-US', 'zh-CN']));
  });
});

describe('bad requests', () => {
  it.each([
    ['invalid JSON', '{"type": "message", '],
    ['a JSON array', '[]'],
    ['an activity without a type', JSON.stringify({ text: 'hi', conversation: { id: 'c' } })],
    ['an activity without a conversation', JSON.stringify({ type: 'message', text: 'hi' })],
    ['a conversation that is a string', JSON.stringify({ type: 'message', text: 'hi', conversation: 'c' })],
    // Without a channel the turn cannot find its state: it got the "something went wrong" apology (200).
    ['a conversation with an empty id', JSON.stringify({ type: 'message', text: 'hi', channelId: 'x', conversation: { id: '' }, from: { id: 'u' }, deliveryMode: 'expectReplies', serviceUrl: 'http://localhost' })],
    ['a conversationUpdate whose membersAdded holds null', JSON.stringify({ type: 'conversationUpdate', membersAdded: [null], channelId: 'x', conversation: { id: 'c' }, from: { id: 'u' }, deliveryMode: 'expectReplies', serviceUrl: 'http://localhost' })],
    ['an Adaptive Card action invoke with no action', JSON.stringify({ type: 'invoke', name: 'adaptiveCard/action', value: 1, channelId: 'x', conversation: { id: 'c' }, from: { id: 'u' }, deliveryMode: 'expectReplies', serviceUrl: 'http://localhost' })],
    ['an activity without a channelId', JSON.stringify({ type: 'message', text: 'hi', conversation: { id: 'c' }, from: { id: 'u' }, deliveryMode: 'expectReplies', serviceUrl: 'http://localhost' })],
  ])('answers %s with 400, and keeps serving', async (_name, body) => {
    const res = await fetch(`${app.base}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).toMatch(/^bad_(json|activity)$/);
    expect((await fetch(`${app.base}/healthz`)).status).toBe(200);
  });
});

describe('words that are also names on every JavaScript object', () => {
  it.each([['constructor', 'en-US'], ['What does a Constructor collect?', 'en-US'], ['我的constructor被盗了', 'zh-CN'], ['toString valueOf hasOwnProperty __proto__', 'en-US']])(
    'understands "%s" without the apology (the stemmer answered "constructor" with Object itself)', async (text, locale) => {
      const replies = await app.send(userMessage(text, { locale }));
      expect(['answer', 'fallback', 'flow', 'clarify', 'help']).toContain(metaOf(replies)?.kind);
      expect(messagesOf(replies).map((r) => r.text).join(' ')).not.toMatch(/something went wrong|出了点问题/);
    });
});

describe('authentication', () => {
  it('refuses an unauthenticated request with 401 when an app id is configured', async () => {
    const secured = await startTestApp({ MicrosoftAppId: '00000000-0000-0000-0000-000000000001', MicrosoftAppPassword: 'not-a-real-secret' });
    try {
      const res = await fetch(`${secured.base}/api/messages`, {
        method: 'POST', headers: { 'content-type': 'application/json' },
        body: JSON.stringify(userMessage('hello')),
      });
      expect(res.status).toBe(401);
    } finally {
      await secured.close();
    }
  });
});

describe('what replies do not carry', () => {
  it('sends no dialog-state traces outside the Emulator (they hold what a flow has gathered)', async () => {
    const chat = conversation(app, { locale: 'en-US' });
    await chat.say('report a leak');
    const replies = await chat.say('phone');
    expect(replies.some((r) => r.type === 'trace')).toBe(false);
  });

  it('still sends the Emulator its dialog-state trace, and runs the turn the same way there', async () => {
    const conversationId = `emulator-${Date.now()}`;
    const first = await app.send(userMessage('report a leak', { channelId: 'emulator', conversationId, locale: 'en-US' }));
    expect(first.some((r) => r.type === 'trace' && r.name === 'BotState')).toBe(true);
    const replies = await app.send(userMessage('phone', { channelId: 'emulator', conversationId, locale: 'en-US' }));
    expect(metaOf(replies)?.flow).toBe('leakReport');
    expect(replies.some((r) => r.type === 'trace' && r.name === 'BotState')).toBe(true);
  });
});

describe('replies without the dialog machinery when no flow runs', () => {
  const summary = (replies: Awaited<ReturnType<TestApp['send']>>) => messagesOf(replies).map((r) => {
    const { kind, locale, citations, smallTalk, truncated, flow } = r.channelData?.assistant ?? {};
    return { text: r.text, speak: r.speak, inputHint: r.inputHint, locale: r.locale, kind, meta: { locale, citations, smallTalk, truncated, flow },
      actions: r.suggestedActions?.actions.map((a) => a.title) };
  });

  it('gives the replies the dialogs give (the Emulator always runs them), and leaves commands and messages that start a flow to the dialogs', async () => {
    const direct = vi.spyOn(RootDialog.prototype, 'replyWithoutDialogs');
    try {
      const said: [text: string, locale: string][] = [
        ['Can I switch off location tracking in the app?', 'en-US'],
        ['你们会读取我手机的型号和运营商吗', 'zh-CN'],
        ['Can you recommend a good pair of running shoes?', 'en-US'],
        ['hi', 'en-US'],
        // Overlong: the question is in the part that is read, the padding after it is cut.
        [`Do you log my IP address? ${'please read this. '.repeat(70)}`, 'en-US'],
      ];
      const kinds: unknown[] = [];
      for (const [text, locale] of said) {
        direct.mockClear();
        const replies = await app.send(userMessage(text, { locale }));
        expect(await direct.mock.results[0]?.value, text).toBe(true);
        expect(summary(replies), text).toEqual(summary(await app.send(userMessage(text, { locale, channelId: 'emulator' }))));
        kinds.push(summary(replies).map((m) => m.kind).join('+'));
      }
      // Answers, a fallback, small talk (a fallback that says so), and the overlong one answered and then said to be cut.
      expect(kinds).toEqual(['answer', 'answer', 'fallback', 'fallback', 'answer+info']);

      // A command and a message that starts a flow run the dialogs.
      direct.mockClear();
      const help = await app.send(userMessage('help', { locale: 'en-US' }));
      expect(await direct.mock.results[0]?.value).toBe(false);
      expect(metaOf(help)?.kind).toBe('help');
      const leak = await app.send(userMessage('Someone hacked my account and changed my password', { locale: 'en-US' }));
      expect(await direct.mock.results.at(-1)?.value).toBe(false);
      expect(metaOf(leak)?.flow).toBe('leakReport');
    } finally {
      direct.mockRestore();
    }
  });

  it('leaves a message to the running flow: a policy question mid-flow is answered by the flow, which repeats its prompt', async () => {
    const direct = vi.spyOn(RootDialog.prototype, 'replyWithoutDialogs');
    try {
      const chat = conversation(app, { locale: 'en-US' });
      expect(metaOf(await chat.say('Someone hacked my account and changed my password'))?.flow).toBe('leakReport');
      direct.mockClear();
      const replies = await chat.say('Do you log my IP address?');
      expect(direct).not.toHaveBeenCalled();
      expect(messagesOf(replies).some((m) => m.channelData?.assistant?.citations?.[0])).toBe(true);
      expect(messagesOf(replies).at(-1)?.channelData?.assistant?.flow).toBe('leakReport');
    } finally {
      direct.mockRestore();
    }
  });
});

describe('rate limit', () => {
  it('answers 429 once a client goes over its per-minute limit, and the next minute is open again', async () => {
    const { createRateLimiter } = await import('../bot/rateLimit.js');
    const limiter = createRateLimiter(2);
    expect([limiter.allow('a', 0), limiter.allow('a', 1), limiter.allow('a', 2)]).toEqual([true, true, false]);
    expect(limiter.allow('b', 2)).toBe(true);
    expect(limiter.allow('a', 60_001)).toBe(true);
    const limited = await startTestApp({ RATE_LIMIT_PER_MINUTE: '1' });
    try {
      await limited.send(userMessage('help'));
      const res = await fetch(`${limited.base}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(userMessage('help')) });
      expect(res.status).toBe(429);
    } finally {
      await limited.close();
    }
  });
});
