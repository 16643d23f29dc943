/**
 * Live handoff on a non-web channel, over normal delivery (the bot POSTs to the
 * channel's serviceUrl, here a local connector): the user asks for a person,
 * an agent takes the conversation at the desk, sees the transcript and replies
 * (a proactive message marked as from a person); the assistant stays quiet
 * except for help; the agent hands back and the assistant answers again.
 * Then: nobody takes it in time, and outside service hours.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../chaos/serverProcess.js';
import { conversation, messagesOf, userMessage, type TestApp } from '../support.js';
import { signIn, startDeskApp, type AgentClient } from './deskSupport.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('live handoff over normal delivery', () => {
  let app: TestApp;
  let anna: AgentClient;
  let ben: AgentClient;
  beforeAll(async () => {
    app = await startDeskApp({}, 'normal');
    anna = await signIn(app.base, 'anna');
    ben = await signIn(app.base, 'ben');
  }, 120_000);
  afterAll(async () => { await app.close(); });

  it('hands the conversation to an agent and back', async () => {
    const chat = conversation(app, { locale: 'en-US', channelId: 'msteams' });
    await chat.say('Do you log my IP address?');
    const asked = await chat.say('talk to a person');
    expect(messagesOf(asked)[0]?.channelData?.assistant?.kind).toBe('handoff');
    expect(asked.some((a) => a.type === 'event' && a.name === 'handoff.initiate')).toBe(true);

    const [waiting] = await app.app.desk.live.list();
    expect(waiting).toMatchObject({ status: 'waiting', channelId: 'msteams', conversationId: chat.id });
    expect(await (await anna.get('/desk')).text()).toContain(`/desk/live/${waiting!.id}`);
    const view = await (await anna.get(`/desk/live/${waiting!.id}`)).text();
    expect(view).toContain('Do you log my IP address?');
    expect(view).toContain('talk to a person');

    const connector = app.connector!;
    let from = connector.received.length;
    expect((await anna.post(`/desk/api/live/${waiting!.id}/take`, {})).status).toBe(200);
    expect(connector.repliesFor(chat.id, from).map((a) => a.text)).toEqual([expect.stringMatching(/anna from customer service has joined/)]);
    // Another agent can neither take it nor write in it.
    expect((await ben.post(`/desk/api/live/${waiting!.id}/take`, {})).status).toBe(409);
    expect((await ben.post(`/desk/api/live/${waiting!.id}/say`, { text: 'hi' })).status).toBe(409);

    // The assistant stays quiet while the agent holds the conversation; the agent sees what the user writes.
    expect(messagesOf(await chat.say('Hello? My account was used to order things I did not buy'))).toEqual([]);
    const lines = (await (await anna.get(`/desk/api/live/${waiting!.id}/transcript`)).json()) as { lines: { text: string }[] };
    expect(lines.lines.map((l) => l.text)).toContain('Hello? My account was used to order things I did not buy');
    // ... except for help.
    expect(messagesOf(await chat.say('help'))[0]?.channelData?.assistant?.kind).toBe('help');

    from = connector.received.length;
    expect((await anna.post(`/desk/api/live/${waiting!.id}/say`, { text: 'Hi, I am Anna. I have locked the account.' })).status).toBe(200);
    const [agentSays] = connector.repliesFor(chat.id, from);
    expect(agentSays?.text).toBe('**anna (customer service):** Hi, I am Anna. I have locked the account.');
    expect((agentSays?.channelData as { assistant?: { kind?: string } }).assistant?.kind).toBe('agent');

    from = connector.received.length;
    // A double click: two hand-backs at once (both past the check that anna holds it) end it once, and the user is told once.
    const handbacks = await Promise.allSettled([1, 2].map(() => app.app.desk.live.handBack(waiting!.id, 'anna')));
    expect(handbacks.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect(connector.repliesFor(chat.id, from).map((a) => a.text)).toEqual([expect.stringMatching(/handed the conversation back/)]);
    // The assistant is back: it routes the next question again (answer, clarify, flow or fallback).
    const answer = messagesOf(await chat.say('Do you log my IP address?'));
    expect(answer[0]?.channelData?.assistant?.kind).toMatch(/^(answer|clarify|flow|fallback)$/);
    expect(await app.app.desk.live.list()).toEqual([]);
  }, 60_000);
});

describe("when the user's channel cannot be reached", () => {
  let app: TestApp;
  afterAll(async () => { await app?.close(); });

  it('tells the agent their message did not go out (502), and keeps no transcript line for it', async () => {
    app = await startDeskApp();
    const anna = await signIn(app.base, 'anna');
    // A channel that answered in the request's body (expectReplies) has no address for a message the desk starts:
    // its serviceUrl leads nowhere (a loopback port nothing listens on).
    const deadPort = await freePort();
    const message = (text: string) => ({ ...userMessage(text, { locale: 'en-US', conversationId: 'unreachable-1', channelId: 'msteams' }),
      deliveryMode: 'expectReplies', serviceUrl: `http://127.0.0.1:${deadPort}/` });
    await app.send(message('talk to a person'));
    const [waiting] = await app.app.desk.live.list();
    const take = await anna.post(`/desk/api/live/${waiting!.id}/take`, {});
    expect(take.status).toBe(502);
    expect(((await take.json()) as { error: { code: string } }).error.code).toBe('not_delivered');
    const say = await anna.post(`/desk/api/live/${waiting!.id}/say`, { text: 'Hello, this is Anna.' });
    expect(say.status).toBe(502);
    const lines = (await (await anna.get(`/desk/api/live/${waiting!.id}/transcript`)).json()) as { lines: { text: string }[] };
    expect(lines.lines.map((l) => l.text)).not.toContain('Hello, this is Anna.');
    // The page says it in the agent's language.
    expect(await (await anna.get(`/desk/live/${waiting!.id}`)).text()).toContain('data-not-delivered="The user&#39;s channel could not be reached');
  }, 60_000);
});

describe('when nobody can take it', () => {
  let app: TestApp;
  afterAll(async () => { await app?.close(); });

  it('tells the user honestly after the timeout, and a ticket keeps the request', async () => {
    app = await startDeskApp({ HANDOFF_TIMEOUT_SECONDS: '1' }, 'normal');
    const chat = conversation(app, { locale: 'zh-CN', channelId: 'msteams' });
    const asked = messagesOf(await chat.say('转人工'));
    expect(asked[0]?.text).not.toMatch(/尽快回复/);
    expect(asked[0]?.text).toMatch(/如果暂时没人能接/);
    const from = app.connector!.received.length;
    await expect.poll(() => app.connector!.repliesFor(chat.id, from).length, { timeout: 8000 }).toBeGreaterThan(0);
    const told = app.connector!.repliesFor(chat.id, from)[0]!.text!;
    expect(told).toMatch(/分钟内没有客服能接入/);
    const reference = /CB-[2-9A-HJKMNP-Z]{6}/.exec(told)![0];
    expect(await app.app.assistant.tickets.get(reference)).toMatchObject({ kind: 'callback', status: 'open', conversationId: chat.id });
    await sleep(10);
    expect(messagesOf(await chat.say('你们会收集我的位置信息吗'))[0]?.channelData?.assistant?.kind).not.toBe('handoff');
  }, 120_000);

  it('outside service hours says so at once', async () => {
    await app.close();
    const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
    const today = new Intl.DateTimeFormat('en-US', { timeZone: 'Asia/Shanghai', weekday: 'short' }).format(new Date());
    const other = days[(days.indexOf(today) + 3) % 7];
    app = await startDeskApp({ DESK_HOURS: `${other} 09:00-18:00` }, 'normal');
    const chat = conversation(app, { locale: 'en-US', channelId: 'msteams' });
    const replies = messagesOf(await chat.say('talk to a person'));
    // The handoff message promises no reply; the desk's own "not staffed" message follows with the hours.
    expect(replies[0]?.channelData?.assistant?.kind).toBe('handoff');
    expect(replies[0]?.text).not.toMatch(/will reply|as soon as/);
    expect(replies[0]?.text).toMatch(/If nobody can \(outside service hours/);
    expect(replies.at(-1)?.text).toMatch(/not staffed right now \(hours: \w{3} 09:00-18:00\)\. Your request is kept as CB-/);
    expect(await app.app.desk.live.list()).toEqual([]);
  }, 120_000);
});
