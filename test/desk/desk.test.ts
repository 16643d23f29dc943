/**
 * The desk over HTTP: sign-in and CSRF, the queue with clocks, every ticket
 * change in an append-only audit trail, Improve and suggestions, /metrics.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applySuggestions, readSuggestions } from '../../desk/improve.js';
import { conversation, messagesOf, type Reply, type TestApp } from '../support.js';
import { parsePrometheus, signIn, signInRaw, startDeskApp, type AgentClient } from './deskSupport.js';

let app: TestApp;
let anna: AgentClient;
beforeAll(async () => {
  app = await startDeskApp({ TICKETS_API_TOKEN: 'machine-token-123456', METRICS_TOKEN: 'scraper-token-654321' });
  anna = await signIn(app.base, 'anna');
}, 120_000);
afterAll(async () => { await app.close(); });

async function leakTicket(): Promise<string> {
  const chat = conversation(app, { locale: 'en-US' });
  await chat.say('I want to report a data leak');
  await chat.say('my password');
  await chat.say('a phishing text pretending to be Buygogo');
  await chat.say('yesterday');
  await chat.say('13812345678');
  const done = await chat.say('yes');
  const id = /LK-[2-9A-HJKMNP-Z]{6}/.exec(messagesOf(done).map((m) => m.text).join(' '))?.[0];
  if (!id) throw new Error(`no ticket: ${messagesOf(done).map((m) => m.text).join(' | ')}`);
  return id;
}

describe('sign-in', () => {
  it('refuses a wrong password, an unknown agent, and a missing or forged CSRF token', async () => {
    expect((await signInRaw(app.base, 'anna', 'wrong password!!')).status).toBe(401);
    expect((await signInRaw(app.base, 'nobody', 'correct horse battery')).status).toBe(401);
    expect((await signInRaw(app.base, 'anna', 'correct horse battery', { csrf: 'omit' })).status).toBe(403);
    expect((await signInRaw(app.base, 'anna', 'correct horse battery', { csrf: 'forged' })).status).toBe(403);
    const ok = await signInRaw(app.base, 'anna', 'correct horse battery');
    expect(ok.status).toBe(200);
    const setCookie = ok.headers.get('set-cookie') ?? '';
    expect(setCookie).toMatch(/desk_session=[^;]+; Path=\/desk; HttpOnly; SameSite=Strict/);
  });

  it('sends pages to sign-in without a session, and refuses changes without the session CSRF token', async () => {
    expect((await fetch(`${app.base}/desk/improve`, { redirect: 'manual' })).status).toBe(303);
    const res = await anna.post('/desk/api/tickets/LK-222222/status', { status: 'closed' }, { 'x-csrf-token': 'forged' });
    expect(res.status).toBe(403);
    const noToken = await fetch(`${app.base}/desk/api/tickets/LK-222222/status`, {
      method: 'POST', headers: { 'content-type': 'application/json', cookie: anna.cookie }, body: '{"status":"closed"}' });
    expect(noToken.status).toBe(403);
    const noSession = await fetch(`${app.base}/desk/api/tickets/LK-222222/status`, {
      method: 'POST', headers: { 'content-type': 'application/json', 'x-csrf-token': anna.csrf }, body: '{"status":"closed"}' });
    expect(noSession.status).toBe(401);
  });

  it('serves the desk when the browser holds a cookie with a stray % from another app on the host (it was 500)', async () => {
    for (const cookie of ['a=%zz', `desk_session=%; other=%E0%A4%A`]) {
      expect((await fetch(`${app.base}/desk`, { headers: { cookie } })).status, cookie).toBe(200);
    }
    const res = await fetch(`${app.base}/desk/improve`, { headers: { cookie: `x=%zz; ${anna.cookie}` }, redirect: 'manual' });
    expect(res.status).toBe(200);
  });

  it('a desk session opens no machine API: the tickets API still wants its bearer token', async () => {
    const res = await fetch(`${app.base}/api/tickets`, { headers: { cookie: anna.cookie } });
    expect(res.status).toBe(401);
  });
});

describe('queue and tickets', () => {
  it('lists an urgent leak report with its 24-hour clock and finds it by reference', async () => {
    const id = await leakTicket();
    const page = await (await anna.get(`/desk?q=${id.slice(0, 5)}`)).text();
    expect(page).toContain(id);
    const zh = await (await anna.get(`/desk?lang=zh-CN&kind=leakReport`)).text();
    expect(zh).toContain('泄露报告');
    const none = await (await anna.get('/desk?q=ZZZZZZ')).text();
    expect(none).not.toContain(id);
  }, 30_000);

  it('records every ticket change in the audit trail, from the desk and from the tickets API, and the trail cannot be edited', async () => {
    const id = await leakTicket();
    expect((await anna.post(`/desk/api/tickets/${id}/status`, { status: 'inProgress', note: 'Called the user back' })).status).toBe(200);
    const api = await fetch(`${app.base}/api/tickets/${id}`, {
      method: 'PATCH', headers: { authorization: 'Bearer machine-token-123456', 'content-type': 'application/json' }, body: '{"status":"closed"}' });
    expect(api.status).toBe(200);
    const trail = await app.app.desk.audit.trail(id);
    expect(trail.map((a) => [a.actor, a.action, a.fromStatus, a.toStatus, a.note])).toEqual([
      ['assistant', 'opened', null, 'open', null],
      ['anna', 'status', 'open', 'inProgress', 'Called the user back'],
      ['system', 'status', 'inProgress', 'closed', null],
    ]);
    await expect(app.app.assistant.db.run('UPDATE desk_audit SET actor = ? WHERE ticket_id = ?', ['mallory', id])).rejects.toThrow(/append-only/);
    await expect(app.app.assistant.db.run('DELETE FROM desk_audit WHERE ticket_id = ?', [id])).rejects.toThrow(/append-only/);
    const page = await (await anna.get(`/desk/tickets/${id}`)).text();
    expect(page).toContain('Called the user back');
    // The contact number the agent acts on is shown; the transcript is masked.
    expect(page).toContain('13812345678');
    expect(page).toMatch(/\*+5678/);
  }, 30_000);
});

describe('delete this conversation', () => {
  it('takes the desk\'s copies of the conversation with it', async () => {
    const chat = conversation(app, { locale: 'en-US' });
    await chat.say('Do you log my IP address?');
    await chat.say('wibble wobble zorblax');
    expect((await app.app.desk.live.transcript(chat.id)).length).toBeGreaterThan(2);
    await chat.say('delete this conversation');
    expect(await app.app.desk.live.transcript(chat.id)).toEqual([]);
    expect(await app.app.assistant.db.all('SELECT id FROM desk_events WHERE conversation_id = ?', [chat.id])).toEqual([]);
  }, 30_000);
});

describe('metrics and Improve', () => {
  const scrape = async (): Promise<Map<string, number>> =>
    parsePrometheus(await (await fetch(`${app.base}/metrics`, { headers: { authorization: 'Bearer scraper-token-654321' } })).text());

  it('/metrics with METRICS_TOKEN set: refused without the bearer token or with a wrong one', async () => {
    const none = await fetch(`${app.base}/metrics`);
    expect(none.status).toBe(401);
    expect(await none.text()).not.toContain('assistant_turns_total');
    expect((await fetch(`${app.base}/metrics`, { headers: { authorization: 'Bearer machine-token-123456' } })).status).toBe(401);
  });

  it('/metrics parses as Prometheus text and its counters move with a conversation', async () => {
    const before = await scrape();
    const chat = conversation(app, { locale: 'en-US' });
    await chat.say('Do you log my IP address?');
    await chat.say('wibble wobble zorblax');
    const after = await scrape();
    expect((after.get('assistant_turns_total') ?? 0) - (before.get('assistant_turns_total') ?? 0)).toBe(2);
    const decisions = (m: Map<string, number>) => [...m.entries()].filter(([k]) => k.startsWith('assistant_decisions_total{')).reduce((s, [, v]) => s + v, 0);
    expect(decisions(after) - decisions(before)).toBe(2);
    expect((after.get('assistant_decisions_total{kind="fallback"}') ?? 0) - (before.get('assistant_decisions_total{kind="fallback"}') ?? 0)).toBe(1);
    expect(after.get('assistant_turn_duration_seconds_count')! - (before.get('assistant_turn_duration_seconds_count') ?? 0)).toBe(2);
    expect(after.has('assistant_handoffs_waiting')).toBe(true);
    expect(after.get('assistant_fallback_ratio')).toBeGreaterThan(0);
    expect(after.get('assistant_flow_starts_total{flow="leakReport"}')).toBeGreaterThan(0);
  }, 30_000);

  it('not-helpful feedback and a fallback show up in Improve; attaching writes a suggestion; reviewed ones apply', async () => {
    // Whichever of these the search answers (the model changes; the loop does not depend on which).
    const chat = conversation(app, { locale: 'en-US' });
    let answer: Reply[] = [];
    let asked = '';
    for (const question of ['Do you sell my personal information?', 'How long do you keep my data?', 'Do you use cookies?', 'Do you log my IP address?']) {
      answer = messagesOf(await chat.say(question));
      asked = question;
      if (answer[0]?.channelData?.assistant?.kind === 'answer') break;
    }
    expect(answer[0]?.channelData?.assistant?.kind).toBe('answer');
    const notHelpful = answer.flatMap((m) => m.suggestedActions?.actions ?? []).find((a) => a.title === 'Not helpful');
    expect(notHelpful?.type).toBe('messageBack');
    const thanks = await app.send({ ...userMessageFor(chat.id, notHelpful!.text!), value: notHelpful!.value });
    expect(messagesOf(thanks)[0]?.text).toMatch(/didn't help/);
    await chat.say('zorblax quibbleton flibbertigibbet 13812345678');
    const page = await (await anna.get('/desk/improve')).text();
    expect(page).toContain(asked.replace('?', ''));
    expect(page).toContain('zorblax quibbleton flibbertigibbet');
    expect(page).not.toContain('13812345678');

    expect((await anna.post('/desk/api/improve/attach', { locale: 'en-US', text: 'zorblax quibbleton flibbertigibbet', target: 'flow:nope' })).status).toBe(400);
    expect((await anna.post('/desk/api/improve/attach', { locale: 'en-US', text: 'zorblax quibbleton flibbertigibbet', target: 'none:payments' })).status).toBe(200);
    expect((await anna.post('/desk/api/improve/attach', { locale: 'en-US', text: asked, target: 'flow:dataRequest' })).status).toBe(200);
    const dir = app.config.desk.trainingDir;
    expect(readSuggestions(dir).map((s) => [s.target, s.status, s.by])).toEqual([['none:payments', 'pending', 'anna'], ['flow:dataRequest', 'pending', 'anna']]);
    // Nothing is applied before review.
    expect(applySuggestions(dir)).toEqual({});
    expect((await anna.post('/desk/api/improve/review', { index: 0 })).status).toBe(200);
    expect(applySuggestions(dir)).toEqual({ 'en-US': 1 });
    const suggested = JSON.parse(fs.readFileSync(path.join(dir, 'en-US', 'suggested.json'), 'utf8'));
    expect(suggested).toEqual({ locale: 'en-US', passages: {}, flows: {}, notCovered: { payments: ['zorblax quibbleton flibbertigibbet'] } });
    expect(readSuggestions(dir).map((s) => s.target)).toEqual(['flow:dataRequest']);
  }, 30_000);
});

function userMessageFor(conversationId: string, text: string) {
  return {
    type: 'message', id: `fb-${Date.now()}`, text, locale: 'en-US', channelId: 'test', serviceUrl: 'http://localhost/test',
    conversation: { id: conversationId }, from: { id: 'user-1', name: 'User' }, recipient: { id: 'bot', name: 'Assistant' },
  } as Parameters<TestApp['send']>[0];
}
